//! Keeps tokens out of `config.toml`.
//!
//! A config file is a plain file: it lands in backups, dotfile repositories and
//! screenshots of a terminal. So a key that looks like a credential gets its own
//! message pointing at the keychain, instead of the generic "unknown key", and the
//! value is never repeated back. The check runs twice: on the raw lines before any
//! parsing (a syntax error message would otherwise quote the line, secret included),
//! then on the parsed tables for the forms a line scan misses (`filter = { token = … }`,
//! quoted keys).

use toml::{Table, Value};

use super::Problem;

/// Keys that would hold a credential, including the ones a user of each provider would
/// guess next to the real keys (`basic_password` beside `basic_user`, `header_value`
/// beside `header_name`, Opsgenie's `GenieKey`). Compared case-insensitively.
const SECRET_KEYS: [&str; 8] = [
    "token",
    "api_token",
    "api_key",
    "password",
    "basic_password",
    "bearer_token",
    "header_value",
    "genie_key",
];

fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|s| key.eq_ignore_ascii_case(s))
}

/// What to do instead; `account` is the account's name when known.
pub(crate) fn advice(account: Option<&str>) -> String {
    let name = account.unwrap_or("NAME");
    format!(
        "tokens never go in config.toml (plain files end up in backups and dotfile repositories): \
         delete it, then run `oncall-tray token set {name}` to keep the token in the system keychain, \
         or set token_command to a command that prints it"
    )
}

/// `key = value` lines whose key (the last part of a dotted key) is a secret key.
pub(crate) fn scan_lines(text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with('#') || line.starts_with('[') {
            continue;
        }
        let Some((key, _value)) = line.split_once('=') else {
            continue;
        };
        let last = key.rsplit('.').next().unwrap_or(key).trim();
        let last = last.trim_matches(|c| c == '"' || c == '\'');
        if is_secret_key(last) {
            let n = index + 1;
            problems.push(Problem {
                key: format!("line {n}"),
                message: format!("line {n}: {last} = …: {}", advice(None)),
            });
        }
    }
    problems
}

/// Secret keys anywhere in the parsed document, named by their key path.
pub(crate) fn scan_table(table: &Table) -> Vec<Problem> {
    let mut problems = Vec::new();
    walk_table(table, "", None, &mut problems);
    problems
}

fn walk_table(table: &Table, prefix: &str, account: Option<&str>, out: &mut Vec<Problem>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if is_secret_key(key) {
            out.push(Problem {
                message: format!("{path} = …: {}", advice(account)),
                key: path,
            });
            continue;
        }
        match value {
            Value::Table(inner) => walk_table(inner, &path, account, out),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Table(inner) = item {
                        // Inside `accounts[i]` the advice can name the account.
                        let name = inner.get("name").and_then(Value::as_str).or(account);
                        walk_table(inner, &format!("{path}[{i}]"), name, out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(problems: Vec<Problem>) -> Vec<String> {
        problems.into_iter().map(|p| p.key).collect()
    }

    #[test]
    fn line_scan_finds_plain_quoted_and_dotted_keys() {
        let text = "\
# token = in a comment is fine
token_command = \"pass show token = x\"
[[accounts]]
name = \"work\"
Token = \"u+abc\"
\"api_token\"=\"x\"
  accounts.password = 'x'
api_key = broken toml
basic_password = \"x\"
header_value = 'x'
Bearer_Token = \"x\"
genie_key = \"x\"
basic_user = \"fine\"
header_name = \"X-Token\"
";
        assert_eq!(
            keys(scan_lines(text)),
            ["line 5", "line 6", "line 7", "line 8", "line 9", "line 10", "line 11", "line 12"]
        );
    }

    #[test]
    fn line_scan_never_repeats_the_value() {
        let problems = scan_lines("token = \"u+SECRET\"\n");
        assert!(!problems[0].message.contains("SECRET"));
    }

    #[test]
    fn table_scan_finds_inline_tables_and_names_the_account() {
        let table: Table = toml::from_str(
            r#"
            [[accounts]]
            name = "work"
            filter = { "password" = "x" }
            "#,
        )
        .unwrap();
        let problems = scan_table(&table);
        assert_eq!(keys(problems.clone()), ["accounts[0].filter.password"]);
        assert!(problems[0]
            .message
            .contains("run `oncall-tray token set work`"));
    }
}
