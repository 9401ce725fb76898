//! `[accounts.noise]`, validated: which of an account's incidents may page, and the
//! urgency a service's incidents are given. The rules only ever quiet an incident; it
//! stays listed (the engine shows why it is quiet), so nothing is silently dropped.
//!
//! Services and teams are matched by the names the service shows, ignoring case; titles
//! by regular expressions (the `regex` crate: no backtracking, so no pattern can make a
//! poll slow, and each compiled pattern is capped at [`MAX_PATTERN_BYTES`]).

use oncall_model::Urgency;
use regex::Regex;

/// The most memory one compiled title pattern may take (the `regex` crate's size limit;
/// its default is 10 MiB). Ample for any title rule a person writes; a pattern that
/// needs more (`\w{1000}` repeated) is refused by name at load.
pub const MAX_PATTERN_BYTES: usize = 256 * 1024;

/// A title rule: the pattern as written, and compiled.
#[derive(Debug, Clone)]
pub struct TitlePattern {
    source: String,
    regex: Regex,
}

impl TitlePattern {
    /// Compiles `source` within [`MAX_PATTERN_BYTES`].
    pub fn new(source: &str) -> Result<TitlePattern, regex::Error> {
        let regex = regex::RegexBuilder::new(source)
            .size_limit(MAX_PATTERN_BYTES)
            .dfa_size_limit(MAX_PATTERN_BYTES)
            .build()?;
        Ok(TitlePattern {
            source: source.to_string(),
            regex,
        })
    }

    /// The pattern as written in `config.toml`.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn is_match(&self, title: &str) -> bool {
        self.regex.is_match(title)
    }
}

/// Two patterns are the same rule when they are written the same.
impl PartialEq for TitlePattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for TitlePattern {}

/// An account's noise rules. The default has none: every incident may page.
///
/// An `include_*` list that is empty (or absent) selects everything; a non-empty one
/// lets only what it names page. Exclusions win over inclusions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoiseRules {
    pub include_title: Vec<TitlePattern>,
    pub exclude_title: Vec<TitlePattern>,
    pub include_services: Vec<String>,
    pub exclude_services: Vec<String>,
    pub include_teams: Vec<String>,
    pub exclude_teams: Vec<String>,
    /// `[accounts.noise.urgency]`: the urgency a service's incidents get, whatever the
    /// service says, in file order (service names unique, ignoring case).
    pub urgency: Vec<(String, Urgency)>,
}

impl NoiseRules {
    /// Whether there are no rules at all (the engine then skips the work).
    pub fn is_empty(&self) -> bool {
        *self == NoiseRules::default()
    }

    /// Why an incident with this title, service and teams must not page, in the user's
    /// words (`title matches "(?i)staging"`, `service "Batch jobs" is excluded`), or
    /// `None` when the rules let it page.
    pub fn quiet_rule(
        &self,
        title: &str,
        service: Option<&str>,
        teams: &[String],
    ) -> Option<String> {
        if let Some(pattern) = self.exclude_title.iter().find(|p| p.is_match(title)) {
            return Some(format!("title matches {:?}", pattern.as_str()));
        }
        if let Some(service) = service.filter(|s| named(&self.exclude_services, s)) {
            return Some(format!("service {service:?} is excluded"));
        }
        if let Some(team) = teams.iter().find(|t| named(&self.exclude_teams, t)) {
            return Some(format!("team {team:?} is excluded"));
        }
        if !self.include_title.is_empty() && !self.include_title.iter().any(|p| p.is_match(title)) {
            return Some("title matches no include_title pattern".to_string());
        }
        if !self.include_services.is_empty() {
            match service {
                Some(service) if named(&self.include_services, service) => {}
                Some(service) => return Some(format!("service {service:?} is not included")),
                None => return Some("no service, and only included services page".to_string()),
            }
        }
        if !self.include_teams.is_empty() && !teams.iter().any(|t| named(&self.include_teams, t)) {
            return Some(match teams {
                [] => "no team, and only included teams page".to_string(),
                _ => format!("team {:?} is not included", teams.join(", ")),
            });
        }
        None
    }

    /// The urgency `service`'s incidents are given, if a rule says.
    pub fn urgency_for(&self, service: Option<&str>) -> Option<Urgency> {
        let service = service?;
        self.urgency
            .iter()
            .find(|(name, _)| same_name(name, service))
            .map(|(_, urgency)| *urgency)
    }
}

/// Whether `names` holds `name`, ignoring case.
fn named(names: &[String], name: &str) -> bool {
    names.iter().any(|n| same_name(n, name))
}

/// Service and team names as a person types them: case does not matter.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> NoiseRules {
        NoiseRules {
            exclude_title: vec![TitlePattern::new("(?i)staging").unwrap()],
            exclude_services: vec!["Batch jobs".into()],
            exclude_teams: vec!["Data".into()],
            ..NoiseRules::default()
        }
    }

    #[test]
    fn exclusions_name_the_rule_that_matched() {
        let rules = rules();
        let quiet = |title, service, teams: &[&str]| {
            let teams: Vec<String> = teams.iter().map(|t| t.to_string()).collect();
            rules.quiet_rule(title, service, &teams)
        };
        assert_eq!(
            quiet("Staging DB slow", Some("Checkout"), &[]).as_deref(),
            Some(r#"title matches "(?i)staging""#)
        );
        assert_eq!(
            quiet("Nightly export", Some("batch JOBS"), &[]).as_deref(),
            Some(r#"service "batch JOBS" is excluded"#)
        );
        assert_eq!(
            quiet("Lag", None, &["Web", "data"]).as_deref(),
            Some(r#"team "data" is excluded"#)
        );
        assert_eq!(quiet("Checkout down", Some("Checkout"), &["Web"]), None);
    }

    #[test]
    fn a_nonempty_include_list_lets_only_what_it_names_page() {
        let rules = NoiseRules {
            include_title: vec![TitlePattern::new("(?i)prod").unwrap()],
            include_services: vec!["Checkout".into()],
            include_teams: vec!["Web".into()],
            ..NoiseRules::default()
        };
        let web = vec!["Web".to_string()];
        assert_eq!(rules.quiet_rule("prod down", Some("checkout"), &web), None);
        assert_eq!(
            rules
                .quiet_rule("dev down", Some("Checkout"), &web)
                .as_deref(),
            Some("title matches no include_title pattern")
        );
        assert_eq!(
            rules
                .quiet_rule("prod down", Some("Search"), &web)
                .as_deref(),
            Some(r#"service "Search" is not included"#)
        );
        assert_eq!(
            rules.quiet_rule("prod down", None, &web).as_deref(),
            Some("no service, and only included services page")
        );
        assert_eq!(
            rules
                .quiet_rule("prod down", Some("Checkout"), &[])
                .as_deref(),
            Some("no team, and only included teams page")
        );
    }

    #[test]
    fn urgency_overrides_ignore_case() {
        let rules = NoiseRules {
            urgency: vec![("Batch jobs".into(), Urgency::Low)],
            ..NoiseRules::default()
        };
        assert_eq!(rules.urgency_for(Some("BATCH jobs")), Some(Urgency::Low));
        assert_eq!(rules.urgency_for(Some("Checkout")), None);
        assert_eq!(rules.urgency_for(None), None);
        assert!(NoiseRules::default().is_empty() && !rules.is_empty());
    }

    #[test]
    fn a_pattern_too_big_to_compile_is_refused() {
        assert!(TitlePattern::new(r"\w{1000}\w{1000}\w{1000}").is_err());
        assert!(TitlePattern::new("(").is_err());
    }
}
