//! `oncall-tray --headless` against the fake PagerDuty and a recording notification
//! server on a private D-Bus bus: a page rings, its Acknowledge button works, the
//! notification goes away and stays away, SIGTERM ends the app cleanly, and a token
//! command that fails at first heals without a restart.

use std::path::Path;
use std::time::{Duration, Instant};

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_model::{Status, Urgency};
use oncall_notification_recorder::Recorder;
use oncall_test_support::within;
use oncall_tray_e2e::headless_world::HeadlessWorld;
use oncall_tray_e2e::sound::{SoundServer, LOUD};
use oncall_tray_e2e::{polls, wait_for_requests, TIMEOUT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_rings_its_acknowledge_button_acknowledges_it_and_it_is_withdrawn() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let mut app = w.spawn();

    // The page arrives while the app runs (a page already open at start is summarised).
    w.first_poll(&app).await;
    let incident = w.fake.trigger(NewIncident::new("Checkout API is down"));

    let seen = recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(seen.len(), 1, "one notification: {seen:#?}");
    let page = &seen[0];
    assert_eq!(page.summary, "[high] #1 Checkout API is down");
    assert!(
        page.body.starts_with("Checkout API · triggered"),
        "{page:#?}"
    );
    assert_eq!(page.action_label("ack"), Some("Acknowledge"), "{page:#?}");
    assert_eq!(page.action_label("open"), Some("Open"), "{page:#?}");
    assert_eq!(page.urgency, Some(2), "high urgency is critical");
    assert_eq!(page.expire_timeout, 0, "a page stays until dealt with");

    recorder
        .press(page.id, "ack")
        .await
        .expect("the button is pressed");

    let requests = wait_for_requests(&w.fake, "the acknowledgement", |r| {
        r.iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/incidents") && r.status == 200)
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    let ack = requests
        .iter()
        .find(|r| r.method == "PUT" && r.path.starts_with("/incidents"))
        .unwrap();
    assert_eq!(ack.header("from"), Some("pat@example.com"), "{ack:#?}");
    assert_eq!(
        w.fake.incident(&incident).unwrap().status,
        Status::Acknowledged
    );

    // Withdrawn: closed by our CloseNotification (3) or by the press itself (2).
    recorder
        .wait_for(TIMEOUT, |n| n.iter().all(|n| !n.is_open()))
        .await
        .unwrap_or_else(|e| app.fail(e));

    // Three more polls see the acknowledged incident: nothing rings again.
    w.more_polls(3, "three more polls", &app).await;
    let all = recorder.notifications();
    assert_eq!(all.len(), 1, "nothing rang again: {all:#?}");
    assert!(!all[0].replaced && !all[0].is_open(), "{all:#?}");
    assert!(app.is_running(), "{}", app.log());

    w.finish(app, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_from_before_a_restart_still_acknowledges_and_is_withdrawn() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let mut first = w.spawn();
    w.first_poll(&first).await;
    let one = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let two = w
        .fake
        .trigger(NewIncident::new("Payments queue backing up"));
    let pages = recorder
        .wait_for(TIMEOUT, |n| n.len() == 2)
        .await
        .unwrap_or_else(|e| first.fail(e));
    let page_of = |title: &str| pages.iter().find(|n| n.summary.contains(title)).unwrap().id;
    let (page_one, page_two) = (page_of("Checkout"), page_of("Payments"));

    // The app restarts (an update, a crash); the notifications stay on screen.
    first.terminate();
    assert_eq!(first.wait_exit(Duration::from_secs(5)).await, Some(0));
    let second = w.spawn();
    w.more_polls(1, "a poll of the new run", &second).await;
    assert_eq!(
        recorder.notifications().len(),
        2,
        "a restart is not a new page: {:#?}",
        recorder.notifications()
    );

    // A press on the old notification is honoured by the new run.
    recorder.press(page_one, "ack").await.expect("pressed");
    wait_for_requests(&w.fake, "the acknowledgement", |r| {
        r.iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/incidents") && r.status == 200)
    })
    .await
    .unwrap_or_else(|e| second.fail(e));
    assert_eq!(w.fake.incident(&one).unwrap().status, Status::Acknowledged);

    // And the other old one is withdrawn when it is acknowledged elsewhere.
    w.fake.acknowledge(&two, "PUSER01");
    recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.id == page_two && !n.is_open())
        })
        .await
        .unwrap_or_else(|e| second.fail(e));
    assert_eq!(recorder.notifications().len(), 2, "nothing rang again");

    w.finish(second, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_title_with_control_characters_and_markup_still_pages_as_plain_text() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;
    // A NUL is not allowed in a D-Bus string: sent as is, the page would never show.
    w.fake
        .trigger(NewIncident::new("DB\u{0}down <b>now</b>\u{202E}"));
    let seen = recorder
        .wait_for(TIMEOUT, |n| n.iter().any(|n| n.summary.contains("DB down")))
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(seen[0].summary, "[high] #1 DB down <b>now</b>", "{seen:#?}");
    w.finish(app, recorder).await;
}

/// Issue 11: `--headless` as a user service plus the tray app started at login rang
/// every page twice and overwrote each other's state. One engine per data directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_engine_on_the_same_data_directory_is_refused_until_the_first_dies() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let mut first = w.spawn();
    w.first_poll(&first).await;

    let mut second = w.spawn();
    assert_eq!(second.wait_exit(TIMEOUT).await, Some(1), "{}", second.log());
    let refusal = format!(
        "oncall-tray: another oncall-tray is already running on {} (pid {}): quit it first, \
         or give this one its own ONCALL_TRAY_DATA_DIR",
        w.sandbox.data_dir().display(),
        first.pid()
    );
    assert!(second.log().contains(&refusal), "{}", second.log());
    // The one-shot commands start no engine: they work beside the running one.
    let status = w.sandbox.run(&["status"]).await;
    assert_eq!(status.code, Some(0), "{status:#?}");

    // The first one keeps paging, once.
    w.fake.trigger(NewIncident::new("Checkout API is down"));
    recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| first.fail(e));
    // One more poll: the page's delivery is over, so the crash cannot repeat it.
    w.more_polls(1, "a poll after the page", &first).await;
    assert!(first.is_running(), "{}", first.log());

    // A crash (SIGKILL: no clean-up at all) frees the directory: the OS drops the lock.
    first.kill();
    assert_eq!(first.wait_exit(TIMEOUT).await, None, "killed by a signal");
    let mut third = w.spawn();
    w.more_polls(1, "a poll of the new run", &third).await;
    assert!(third.is_running(), "{}", third.log());
    assert_eq!(
        recorder.notifications().len(),
        1,
        "the restart rang nothing again: {:#?}",
        recorder.notifications()
    );

    w.finish(third, recorder).await;
}

/// Found in the field: a password manager still locked at login made the token command
/// fail once, and the account never paged again until a restart, without a word in
/// `--headless`. Now one notification says so while the command is run again (with
/// backoff), and once the password manager is unlocked pages ring and their buttons
/// work, in the same run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_password_manager_is_said_once_and_pages_ring_once_it_is_unlocked() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    // The token command asks a password manager that answers once `unlocked` exists;
    // each ask leaves a line in `asks`.
    let unlocked = w.sandbox.config_dir().join("unlocked");
    let asks = w.sandbox.config_dir().join("asks");
    let command = format!(
        "echo ask >> \"{asks}\"; if [ -f \"{unlocked}\" ]; then printf %s {token}; \
         else echo \"the vault is locked\" >&2; exit 1; fi",
        asks = asks.display(),
        unlocked = unlocked.display(),
        token = oncall_tray_e2e::PAT_TOKEN,
    );
    w.sandbox.write_config(&format!(
        "[[accounts]]\n\
         name = \"work\"\n\
         provider = \"pagerduty\"\n\
         api_url = \"{}\"\n\
         poll_interval_seconds = 2\n\
         token_command = '{command}'\n",
        w.url()
    ));
    let app = w.spawn();

    let seen = recorder
        .wait_for(TIMEOUT, |n| !n.is_empty())
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(seen[0].summary, "oncall-tray cannot get the token for work");
    assert!(
        seen[0].body.contains("the vault is locked") && seen[0].body.contains("retrying"),
        "{seen:#?}"
    );
    // Asked again a few seconds later, still locked: no second notification.
    wait_for_asks(&asks, 2, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(
        recorder.notifications().len(),
        1,
        "one notification, not one per ask"
    );
    assert_eq!(
        polls(&w.fake.requests()),
        0,
        "nothing is polled without a token"
    );

    // Unlocked: the next ask (within 20 s of backoff) gets the token and polling resumes.
    std::fs::write(&unlocked, "").expect("the flag file");
    wait_for_requests_within(&w.fake, Duration::from_secs(45), |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let incident = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let seen = recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let page = seen
        .iter()
        .find(|n| n.summary.contains("Checkout API is down"))
        .unwrap();
    recorder
        .press(page.id, "ack")
        .await
        .expect("the button is pressed");
    wait_for_requests(&w.fake, "the acknowledgement", |r| {
        r.iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/incidents") && r.status == 200)
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    assert_eq!(
        w.fake.incident(&incident).unwrap().status,
        Status::Acknowledged
    );
    assert_eq!(recorder.notifications().len(), 2, "the notice and the page");

    w.finish(app, recorder).await;
}

/// Waits until the token command has been run `count` times.
async fn wait_for_asks(asks: &Path, count: usize, timeout: Duration) -> Result<(), String> {
    let asked = || {
        std::fs::read_to_string(asks)
            .unwrap_or_default()
            .lines()
            .count()
    };
    within(timeout, || {
        std::future::ready((asked() >= count).then_some(()))
    })
    .await
    .ok_or_else(|| {
        format!(
            "the token command ran {} times, not {count}, in {timeout:?}",
            asked()
        )
    })
}

/// [`wait_for_requests`] with a longer wait: a retry's backoff can be longer than
/// [`TIMEOUT`].
async fn wait_for_requests_within(
    fake: &FakePagerDuty,
    timeout: Duration,
    cond: impl Fn(&[oncall_fake_pagerduty::RecordedRequest]) -> bool,
) -> Result<(), String> {
    within(timeout, || {
        std::future::ready(cond(&fake.requests()).then_some(()))
    })
    .await
    .ok_or_else(|| format!("no poll within {timeout:?}"))
}

/// Issue 11, item 2: a high-urgency page sounds its alarm at a real sound server (a
/// private PulseAudio with a null sink, the app reaching it through ALSA's pulse
/// plugin), plays it again every `alarm_repeat_seconds`, and falls silent when
/// Acknowledge is pressed; a low-urgency page with `sound_low = "none"` plays nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_urgency_page_sounds_until_acknowledged_and_a_low_urgency_one_stays_quiet() {
    let sound = SoundServer::start().expect("a private PulseAudio server");
    let w = HeadlessWorld::with_config(
        "[notifications]\n\
         sound_high = \"alarm-clock-elapsed\"\n\
         sound_low = \"none\"\n\
         alarm_repeat_seconds = 2\n\
         low_urgency = \"once\"\n",
    )
    .await;
    let recorder = w.recorder().await;
    let app = w.spawn_with_env(&sound.client_env());
    w.first_poll(&app).await;
    assert!(
        sound.chunks().iter().all(|c| c.peak < LOUD),
        "nothing plays before a page"
    );

    let triggered = Instant::now();
    let incident = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let first = sound
        .wait_for_sound(triggered, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    // The sound plays in a child of the app: the audio stack (ALSA's pulse plugin and
    // libpulse, which stay loaded in whatever process opens them) never enters the
    // process that runs all day.
    let players = children(app.pid());
    assert!(
        players.iter().any(|pid| !audio_libraries(*pid).is_empty()),
        "a child of the app plays the sound through PulseAudio (children: {players:?})"
    );
    assert_eq!(
        audio_libraries(app.pid()),
        Vec::<String>::new(),
        "the app itself maps no audio library"
    );
    let page = recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e))[0]
        .clone();
    // The first sound ends; after the repeat interval it plays again.
    let ended = sound
        .wait_for_silence(first, Duration::from_millis(1500), TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let (samples, peak) = sound.since(first);
    let length = ended.duration_since(first);
    eprintln!(
        "alarm: first sound {length:?} after {:?} from the trigger; {samples} samples at 8 kHz, peak {peak}",
        first.duration_since(triggered)
    );
    assert!(peak > 1000, "non-silent audio arrived: peak {peak}");
    let again = sound
        .wait_for_sound(ended + Duration::from_millis(1000), TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let gap = again.duration_since(ended);
    eprintln!("alarm: played again {gap:?} after the first ended");
    assert!(
        gap >= Duration::from_millis(1500),
        "repeats after ~2 s: {gap:?}"
    );

    // Acknowledge while it plays: the sound stops, and no repeat follows.
    let pressed = Instant::now();
    recorder.press(page.id, "ack").await.expect("pressed");
    wait_for_requests(&w.fake, "the acknowledgement", |r| {
        r.iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/incidents") && r.status == 200)
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    assert_eq!(
        w.fake.incident(&incident).unwrap().status,
        Status::Acknowledged
    );
    // Absence needs a window: longer than one sound plus the repeat interval and more.
    tokio::time::sleep(length + Duration::from_secs(3)).await;
    let silent_after = sound
        .last_loud_since(pressed)
        .map_or(Duration::ZERO, |last| last.duration_since(pressed));
    eprintln!("alarm: silent {silent_after:?} after Acknowledge was pressed");
    assert!(
        silent_after < Duration::from_millis(1000),
        "the alarm stops at Acknowledge, not {silent_after:?} later"
    );

    // A low-urgency page with sound_low = "none" shows, silently.
    let low = Instant::now();
    w.fake
        .trigger(NewIncident::new("Disk 80% full").urgency(Urgency::Low));
    recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Disk 80%"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sound.last_loud_since(low),
        None,
        "a low-urgency page is quiet"
    );

    w.finish(app, recorder).await;
}

/// The sound's child never outlives the app: killed in the middle of a six-second sound
/// (as in a crash), the app takes its sound with it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sound_ends_with_the_app_that_played_it() {
    let sound = SoundServer::start().expect("a private PulseAudio server");
    let w =
        HeadlessWorld::with_config("[notifications]\nsound_high = \"alarm-clock-elapsed\"\n").await;
    let recorder = w.recorder().await;
    let mut app = w.spawn_with_env(&sound.client_env());
    w.first_poll(&app).await;
    let triggered = Instant::now();
    w.fake.trigger(NewIncident::new("Checkout API is down"));
    sound
        .wait_for_sound(triggered, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let players = children(app.pid());
    assert!(!players.is_empty(), "the sound plays in a child of the app");

    let killed = Instant::now();
    app.kill();
    app.wait_exit(TIMEOUT).await;
    within(Duration::from_secs(2), || {
        let ended = !players.iter().any(|pid| running(*pid));
        async move { ended.then_some(()) }
    })
    .await
    .unwrap_or_else(|| panic!("the sound's child outlived the app: {players:?}"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sound.last_loud_since(killed + Duration::from_millis(500)),
        None,
        "silent once the app is gone"
    );
    drop(recorder);
}

/// The children `pid`'s threads started (each thread lists its own).
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// The audio libraries `pid` maps: ALSA's plugins and libpulse.
fn audio_libraries(pid: u32) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .filter(|path| path.contains("libpulse") || path.contains("libasound_module"))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Whether `pid` still runs (a zombie waiting for its reaper has ended).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit_once(") ")?.1.chars().next()?;
            Some(state != 'Z' && state != 'X')
        })
        .unwrap_or(false)
}

/// Where the notification server plays sounds itself (the `sound` capability), the page
/// names its sound in a `sound-name` hint and the app does not play the first ring too;
/// the repeats (`alarm_repeat_seconds`) are the app's, and Acknowledge stops them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_plays_sounds_is_handed_the_first_ring_and_the_repeats_are_ours() {
    let sound = SoundServer::start().expect("a private PulseAudio server");
    let w = HeadlessWorld::with_config("[notifications]\nalarm_repeat_seconds = 2\n").await;
    let recorder = Recorder::start_with_sound(Some(&w.bus.address))
        .await
        .expect("the notification recorder");
    let app = w.spawn_with_env(&sound.client_env());
    w.first_poll(&app).await;

    w.fake.trigger(NewIncident::new("Checkout API is down"));
    let page = recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e))[0]
        .clone();
    let shown = Instant::now();
    assert_eq!(
        page.hints.get("sound-name").map(String::as_str),
        Some("alarm-clock-elapsed"),
        "{page:#?}"
    );
    // The first ring is the server's: nothing of ours for at least the repeat interval.
    let repeat = sound
        .wait_for_sound(shown, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let after = repeat.duration_since(shown);
    eprintln!("alarm: the server rang first; our repeat came {after:?} after the page");
    assert!(after >= Duration::from_millis(1900), "{after:?}");

    let pressed = Instant::now();
    recorder.press(page.id, "ack").await.expect("pressed");
    wait_for_requests(&w.fake, "the acknowledgement", |r| {
        r.iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/incidents") && r.status == 200)
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    // Absence needs a window: longer than one sound plus the repeat interval.
    tokio::time::sleep(Duration::from_secs(9)).await;
    let silent_after = sound
        .last_loud_since(pressed)
        .map_or(Duration::ZERO, |last| last.duration_since(pressed));
    assert!(
        silent_after < Duration::from_millis(1000),
        "the alarm stops at Acknowledge, not {silent_after:?} later"
    );

    w.finish(app, recorder).await;
}
