//! What an installed command is expected to have: `--version`, `--help` with the exit
//! statuses, and the man pages and shell completions that packages install, made by
//! the binary's hidden `generate` subcommand and checked with the real tools that read
//! them (groff, bash; zsh and fish where installed).

use std::path::{Path, PathBuf};

use oncall_tray_e2e::Sandbox;
use tempfile::TempDir;

use super::assert_ok;

/// The subcommands `--help` lists at `path` (`[]` for the top level), without `help`.
async fn subcommands_in_help(sandbox: &Sandbox, path: &[&str]) -> Vec<String> {
    let args: Vec<&str> = path.iter().copied().chain(["--help"]).collect();
    let out = sandbox.run(&args).await;
    assert_ok(&out);
    out.stdout
        .lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(String::from)
        .collect()
}

/// Every subcommand path `--help` leads to, parents before their children.
async fn every_subcommand(sandbox: &Sandbox) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(path) = queue.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        for name in subcommands_in_help(sandbox, &args).await {
            let mut child = path.clone();
            child.push(name);
            found.push(child.clone());
            queue.push(child);
        }
    }
    found
}

/// `oncall-tray generate ARGS… DIR` into a new directory; the files it says it wrote.
async fn generate(sandbox: &Sandbox, args: &[&str]) -> (TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dir_arg = dir
        .path()
        .to_str()
        .expect("a UTF-8 temporary path")
        .to_owned();
    let mut all = vec!["generate"];
    all.extend_from_slice(args);
    all.push(&dir_arg);
    let out = sandbox.run(&all).await;
    assert_ok(&out);
    let written: Vec<PathBuf> = out.stdout.lines().map(PathBuf::from).collect();
    let mut listed: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("the output directory")
        .map(|e| e.expect("an entry").path())
        .collect();
    listed.sort();
    let mut said = written.clone();
    said.sort();
    assert_eq!(
        said, listed,
        "it says what it wrote, and wrote nothing else"
    );
    (dir, written)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `program ARGS` to the end: (success, stdout, stderr).
async fn tool(program: &str, args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[tokio::test]
async fn version_prints_the_name_and_the_package_version() {
    let sandbox = Sandbox::new();
    for flag in ["--version", "-V"] {
        let out = sandbox.run(&[flag]).await;
        assert_ok(&out);
        assert_eq!(
            out.stdout,
            format!("oncall-tray {}\n", env!("CARGO_PKG_VERSION")),
            "{out:#?}"
        );
    }
}

#[tokio::test]
async fn help_lists_the_exit_statuses_and_not_the_packaging_command() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["--help"]).await;
    assert_ok(&out);
    for line in [
        "Exit status of the subcommands:",
        "  0  Success.",
        "  1  Any other failure.",
        "  2  Usage error",
        "  3  Config error",
        "  4  Service unreachable",
        "  5  Token rejected",
    ] {
        assert!(out.stdout.contains(line), "{line:?} missing from {out:#?}");
    }
    assert!(!out.stdout.contains("generate"), "{out:#?}");
}

/// Each page renders without a warning, the top page has the exit statuses, and every
/// subcommand `--help` shows has its own page, named by its parent's.
#[tokio::test]
async fn the_man_pages_render_and_name_every_subcommand() {
    let sandbox = Sandbox::new();
    let (dir, written) = generate(&sandbox, &["man"]).await;
    let subcommands = every_subcommand(&sandbox).await;
    assert!(
        subcommands.len() >= 10,
        "account add/list/remove, token set/clear, status, incidents, ack: {subcommands:?}"
    );
    let page_of = |path: &[String]| {
        let mut name = String::from("oncall-tray");
        for part in path {
            name.push('-');
            name.push_str(part);
        }
        dir.path().join(format!("{name}.1"))
    };
    assert_eq!(
        written.len(),
        subcommands.len() + 1,
        "one page per subcommand and the top one: {written:?}"
    );

    let mut rendered = std::collections::HashMap::new();
    for page in &written {
        let path = page.to_str().expect("a UTF-8 path");
        // Plain text (no overstriking), lines long enough that no name is broken.
        let (ok, text, warnings) = tool(
            "groff",
            &[
                "-man",
                "-Tutf8",
                "-ww",
                "-rLL=200n",
                "-rHY=0",
                "-P-cbou",
                path,
            ],
        )
        .await;
        assert!(ok && warnings.is_empty(), "{path}: {warnings}");
        assert!(text.contains("NAME") && text.contains("SYNOPSIS"), "{text}");
        assert!(text.contains("EXIT STATUS"), "{path}:\n{text}");
        assert!(!text.contains("generate"), "{path}:\n{text}");
        rendered.insert(page.clone(), text);
    }

    for path in &subcommands {
        let page = page_of(path);
        let parent = &rendered[&page_of(&path[..path.len() - 1])];
        let name = page.file_stem().unwrap().to_str().unwrap();
        assert!(rendered.contains_key(&page), "no page for {path:?}");
        assert!(
            parent.contains(&format!("{name}(1)")),
            "the parent's page does not name {name}:\n{parent}"
        );
    }

    let top = &rendered[&page_of(&[])];
    for status in [
        "3      Config error",
        "4      Service unreachable",
        "5      Token rejected",
    ] {
        assert!(top.contains(status), "{status:?} missing from:\n{top}");
    }
}

#[tokio::test]
async fn the_bash_completion_loads_and_completes_subcommands_and_their_values() {
    let sandbox = Sandbox::new();
    let (_dir, written) = generate(&sandbox, &["completions", "bash"]).await;
    let [script] = written.as_slice() else {
        panic!("one script: {written:?}")
    };
    assert_eq!(
        script.file_name().unwrap(),
        "oncall-tray",
        "the name bash-completion loads it by"
    );
    // What bash does on Tab: sets COMP_* and calls the function `complete -p` names.
    let driver = r#"
        source "$1"
        complete -p oncall-tray || exit 1
        read -r -a spec <<< "$(complete -p oncall-tray)"
        fn=""
        for ((i = 0; i < ${#spec[@]}; i++)); do
            [ "${spec[i]}" = -F ] && fn="${spec[i+1]}"
        done
        tab() {
            COMP_LINE="$1"; COMP_POINT=${#1}
            read -r -a COMP_WORDS <<< "$1"
            [[ "$1" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMPREPLY=()
            "$fn" oncall-tray "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            echo "$1|${COMPREPLY[*]}"
        }
        tab "oncall-tray acc"
        tab "oncall-tray "
        tab "oncall-tray account "
        tab "oncall-tray account add work --provider "
        tab "oncall-tray token s"
    "#;
    let (ok, out, err) = tool(
        "bash",
        &[
            "--norc",
            "--noprofile",
            "-c",
            driver,
            "bash",
            script.to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.lines()
            .next()
            .is_some_and(|l| l.starts_with("complete ") && l.ends_with(" oncall-tray")),
        "{out}"
    );
    let completed = |line: &str| -> Vec<String> {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{line}|")))
            .unwrap_or_else(|| panic!("{line:?} not completed:\n{out}\n{err}"))
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    assert_eq!(completed("oncall-tray acc"), ["account"]);
    let top = completed("oncall-tray ");
    for name in ["account", "token", "status", "incidents", "ack"] {
        assert!(top.contains(&name.to_string()), "{top:?}");
    }
    assert!(!top.iter().any(|w| w == "generate"), "{top:?}");
    let account = completed("oncall-tray account ");
    for name in ["add", "list", "remove", "migrate"] {
        assert!(account.contains(&name.to_string()), "{account:?}");
    }
    assert_eq!(
        completed("oncall-tray account add work --provider "),
        [
            "pagerduty",
            "alertmanager",
            "opsgenie",
            "jsm",
            "grafana-oncall"
        ]
    );
    assert_eq!(completed("oncall-tray token s"), ["set"]);
}

#[tokio::test]
async fn the_zsh_and_fish_completions_cover_the_visible_command_line() {
    let sandbox = Sandbox::new();
    let (_zsh_dir, zsh) = generate(&sandbox, &["completions", "zsh"]).await;
    let (_fish_dir, fish) = generate(&sandbox, &["completions", "fish"]).await;
    let [zsh] = zsh.as_slice() else {
        panic!("{zsh:?}")
    };
    let [fish] = fish.as_slice() else {
        panic!("{fish:?}")
    };
    assert_eq!(zsh.file_name().unwrap(), "_oncall-tray");
    assert_eq!(fish.file_name().unwrap(), "oncall-tray.fish");

    let zsh_text = read(zsh);
    assert!(zsh_text.starts_with("#compdef oncall-tray\n"), "{zsh_text}");
    let fish_text = read(fish);
    assert!(fish_text.contains("complete -c oncall-tray"), "{fish_text}");
    for text in [&zsh_text, &fish_text] {
        for name in [
            "account",
            "token",
            "status",
            "incidents",
            "ack",
            "pagerduty",
        ] {
            assert!(text.contains(name), "{name} missing");
        }
        assert!(!text.contains("generate"));
    }

    // Neither shell is a dependency of the project; where one is installed, its own
    // parser reads the script.
    for (shell, script) in [("zsh", zsh), ("fish", fish)] {
        if installed(shell) {
            let (ok, _, err) = tool(shell, &["-n", script.to_str().unwrap()]).await;
            assert!(ok, "{shell} -n: {err}");
        }
    }
}
