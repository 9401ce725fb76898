//! `config.toml`: a validated config, or an error that names what is wrong.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use oncall_store::{Config, ConfigError};

fuzz_target!(|data: &[u8]| {
    // The app reads the file as UTF-8 text; anything else never reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Relative `ca_file`/`client_cert` paths resolve against a directory that does not
    // exist, so the fuzzer cannot make the parser read real files.
    match Config::parse(text, Path::new("/nonexistent/oncall-tray/config.toml")) {
        Ok(_) => {}
        Err(ConfigError::Invalid { problems, .. }) => {
            assert!(!problems.is_empty(), "Invalid without problems");
            for problem in &problems {
                assert!(
                    !problem.message.trim().is_empty(),
                    "a problem without message"
                );
            }
        }
        // Not bounded: a TOML syntax error quotes the user's own line, which is the point.
        Err(error) => assert!(!error.to_string().trim().is_empty(), "an empty error"),
    }
});
