//! `oncall-tray show | note | reassign | escalate | urgency | responders ID`: respond to
//! one incident from the terminal, asking its service directly (as `ack` does).
//!
//! The confirmation rules are the window's: a note is sent as written, while what hands
//! the incident on or changes how it pages (reassign, escalate, urgency, responders)
//! says exactly what it will do and asks first. Without a terminal to ask on, `--yes`
//! is the answer, and its absence refuses (exit 2): a script never hands an incident
//! over by accident.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::{anyhow, bail};
use chrono::{Local, Utc};
use oncall_model::{
    display_text, ActionKind, ActionOutcome, Assignee, AssigneeKind, Incident, Provider, Urgency,
};
use oncall_store::Dirs;

use super::remote::one_incident;
use crate::exit::Failure;

/// The incident, then its notes, log entries and alerts, newest first.
pub async fn show(dirs: &Dirs, target: &str) -> anyhow::Result<()> {
    let (_, incident, client) = one_incident(dirs, target).await?;
    let details = client
        .details(&incident.key.id)
        .await
        .map_err(|e| Failure::of_provider(&e).on(e))?;
    println!("{}", display_text(&name(&incident)));
    let service = incident.service.as_deref().unwrap_or("no service");
    println!(
        "{} · {} urgency · {}",
        incident.status.as_str(),
        incident.urgency.as_str(),
        display_text(service)
    );
    if !incident.assignees.is_empty() {
        let names: Vec<&str> = incident.assignees.iter().map(|p| p.name.as_str()).collect();
        println!("Assigned to {}", display_text(&names.join(", ")));
    }
    let when = |at: chrono::DateTime<Utc>| at.with_timezone(&Local).format("%a %d %b %H:%M");
    println!("\nNotes:");
    if details.notes.is_empty() {
        println!("  none");
    }
    for note in &details.notes {
        let author = note.author.as_deref().unwrap_or("someone");
        println!(
            "  {} {}: {}",
            when(note.at),
            display_text(author),
            display_text(&note.text)
        );
    }
    println!("\nLog:");
    for entry in &details.log {
        println!("  {} {}", when(entry.at), display_text(&entry.summary));
    }
    if !details.alerts.is_empty() {
        println!("\nAlerts:");
        for alert in &details.alerts {
            println!(
                "  {} [{}] {}",
                when(alert.at),
                display_text(&alert.status),
                display_text(&alert.summary)
            );
        }
    }
    Ok(())
}

/// Adds a note, as written: a note hands nothing on, so it is not asked about.
pub async fn note(dirs: &Dirs, target: &str, text: &str) -> anyhow::Result<()> {
    let kind = ActionKind::AddNote {
        text: text.trim().to_string(),
    };
    // Empty or overlong: refused before any service is asked, as the engine does.
    if let Some(problem) = kind.problem() {
        return Err(Failure::Usage.on(anyhow!(problem)));
    }
    let (_, incident, client) = one_incident(dirs, target).await?;
    send(&*client, &incident, kind, "Added the note to").await
}

/// Hands the incident to the user or escalation policy `to` names.
pub async fn reassign(dirs: &Dirs, target: &str, to: &str, yes: bool) -> anyhow::Result<()> {
    let (account, incident, client) = one_incident(dirs, target).await?;
    let can = oncall_engine::capabilities_of(&account);
    let mut kinds = Vec::new();
    if can.reassign_to_users {
        kinds.push(AssigneeKind::User);
    }
    if can.reassign_to_policies {
        kinds.push(AssigneeKind::EscalationPolicy);
    }
    if can.reassign_to_teams {
        kinds.push(AssigneeKind::Team);
    }
    if kinds.is_empty() {
        bail!(
            "{} accounts cannot reassign incidents",
            account.provider.kind()
        );
    }
    let assignee = pick(&*client, to, &kinds).await?;
    confirm(
        &format!(
            "Reassign {} to {} ({})? It will no longer be assigned to you.",
            name(&incident),
            assignee.name,
            assignee.kind.as_str()
        ),
        yes,
    )?;
    let done = format!("Reassigned to {}:", assignee.name);
    send(
        &*client,
        &incident,
        ActionKind::Reassign { to: assignee },
        &done,
    )
    .await
}

/// Escalates to the next level (PagerDuty) or to the escalation `to` names (Opsgenie).
pub async fn escalate(
    dirs: &Dirs,
    target: &str,
    to: Option<&str>,
    yes: bool,
) -> anyhow::Result<()> {
    let (account, incident, client) = one_incident(dirs, target).await?;
    let can = oncall_engine::capabilities_of(&account);
    let to = match (can.escalate_needs_target, to) {
        (None, _) => bail!("{} accounts cannot escalate", account.provider.kind()),
        (Some(false), None) => None,
        (Some(false), Some(_)) => {
            return Err(Failure::Usage.on(anyhow!(
            "{} escalates to the next level of the incident's escalation policy: leave out --to",
            account.provider.kind()
        )))
        }
        (Some(true), None) => {
            return Err(Failure::Usage.on(anyhow!(
                "{} escalates to a named escalation: add --to NAME",
                account.provider.kind()
            )))
        }
        (Some(true), Some(query)) => {
            Some(pick(&*client, query, &[AssigneeKind::Escalation]).await?)
        }
    };
    let question = match &to {
        None => format!("Escalate {} to the next level?", name(&incident)),
        Some(to) => format!("Escalate {} to {}?", name(&incident), to.name),
    };
    confirm(&question, yes)?;
    send(
        &*client,
        &incident,
        ActionKind::Escalate { to },
        "Escalated",
    )
    .await
}

/// Raises or lowers the incident's urgency.
pub async fn urgency(dirs: &Dirs, target: &str, urgency: Urgency, yes: bool) -> anyhow::Result<()> {
    let (_, incident, client) = one_incident(dirs, target).await?;
    if incident.urgency == urgency {
        println!(
            "{} already has {} urgency.",
            display_text(&name(&incident)),
            urgency.as_str()
        );
        return Ok(());
    }
    confirm(
        &format!(
            "Change {} to {} urgency?",
            name(&incident),
            urgency.as_str()
        ),
        yes,
    )?;
    let done = format!("Changed to {} urgency:", urgency.as_str());
    send(
        &*client,
        &incident,
        ActionKind::SetUrgency { urgency },
        &done,
    )
    .await
}

/// Asks more people (or escalation policies) to respond, with a message.
pub async fn responders(
    dirs: &Dirs,
    target: &str,
    add: &[String],
    message: &str,
    yes: bool,
) -> anyhow::Result<()> {
    let (account, incident, client) = one_incident(dirs, target).await?;
    let can = oncall_engine::capabilities_of(&account);
    if !can.add_responders {
        bail!("{} accounts cannot add responders", account.provider.kind());
    }
    let mut responders = Vec::new();
    for query in add {
        let kinds = [AssigneeKind::User, AssigneeKind::EscalationPolicy];
        responders.push(pick(&*client, query, &kinds).await?);
    }
    let names: Vec<&str> = responders.iter().map(|r| r.name.as_str()).collect();
    confirm(
        &format!(
            "Ask {} to respond to {}?",
            names.join(", "),
            name(&incident)
        ),
        yes,
    )?;
    let kind = ActionKind::AddResponders {
        responders,
        message: message.trim().to_string(),
    };
    send(&*client, &incident, kind, "Asked for responders on").await
}

/// "#42 Checkout API is down" (the number when there is one, else the id).
fn name(incident: &Incident) -> String {
    match incident.number {
        Some(number) => format!("#{number} {}", incident.title),
        None => format!("{} {}", incident.key, incident.title),
    }
}

/// The one assignee `query` names: the only match, or the one whose name is exactly the
/// query. Several, or none, is said with the candidates.
async fn pick(
    client: &dyn Provider,
    query: &str,
    kinds: &[AssigneeKind],
) -> anyhow::Result<Assignee> {
    let query = query.trim();
    let found = client
        .find_assignees(query, kinds)
        .await
        .map_err(|e| Failure::of_provider(&e).on(e))?;
    if let Some(exact) = found.iter().find(|a| a.name.eq_ignore_ascii_case(query)) {
        return Ok(exact.clone());
    }
    match &found[..] {
        [one] => Ok(one.clone()),
        [] => Err(Failure::Usage.on(anyhow!("no one matches \"{query}\""))),
        several => {
            let names: Vec<String> = several
                .iter()
                .take(10)
                .map(|a| format!("{} ({})", display_text(&a.name), a.kind.as_str()))
                .collect();
            Err(Failure::Usage.on(anyhow!(
                "several match \"{query}\": {}; write the whole name",
                names.join(", ")
            )))
        }
    }
}

/// Asks `question` on the terminal; `yes` answers it beforehand. Without a terminal and
/// without `--yes`, nothing is sent.
fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    let question = display_text(question);
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::Usage.on(anyhow!(
            "not sent: \"{question}\" needs a yes; add --yes when no one is at a terminal to answer"
        )));
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
        Ok(())
    } else {
        bail!("not sent: you did not confirm")
    }
}

/// Sends `kind` for the incident and says what the service answered.
async fn send(
    client: &dyn Provider,
    incident: &Incident,
    kind: ActionKind,
    done: &str,
) -> anyhow::Result<()> {
    let verb = kind.verb();
    let result = client
        .act(&kind, std::slice::from_ref(&incident.key.id))
        .await
        .pop()
        .unwrap_or_else(|| {
            Err(oncall_model::ProviderError::Malformed {
                message: "no answer for the incident".into(),
            })
        });
    let shown = display_text(&name(incident));
    match result {
        Ok(ActionOutcome::Done | ActionOutcome::AlreadyDone) => {
            println!("{} {shown}.", display_text(done));
            Ok(())
        }
        Ok(ActionOutcome::AlreadyResolved) => {
            println!("{shown} was already resolved: nothing to {verb}.");
            Ok(())
        }
        Err(e) => Err(Failure::of_provider(&e).on(anyhow!("could not {verb} {shown}: {e}"))),
    }
}
