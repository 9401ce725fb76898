//! The one rule for showing text that came from outside (an incident service, a
//! notification server, a file an older version wrote) to a person: in a terminal, a
//! tray menu, a notification or the window.
//!
//! Such text can hold characters that act instead of being shown: terminal escape
//! sequences (ESC, the C1 CSI and OSC: screen rewriting, OSC 52 clipboard writes), a NUL
//! (GTK cuts a menu label there, or panics in a debug build; D-Bus strings cannot carry
//! one), line breaks that forge extra lines, bidirectional controls that make a label
//! read in another order, and invisible characters that hide or fake text.
//! [`display_text`] takes them out and keeps every visible character as it is.
//!
//! It is applied twice, on purpose. Each provider converts what a person will read
//! (titles, names, labels, error messages) through it, so an `Incident`, a
//! `ProviderError` and everything made of them (the engine's `View`, the window, the
//! history, the state files) hold text that can be shown as it is. Each display edge of
//! the app (terminal, tray menu, notification) applies it again: those edges also show
//! text no conversion of this version made (a page an older version left in the outbox,
//! incident ids, which stay as the service sent them so that actions can name them), and
//! they are where a stray character does harm. Cleaning clean text changes nothing.

/// `text` as it may be shown to a person: on one line, without control characters,
/// bidirectional controls or invisible format characters.
///
/// Control characters, tabs and line breaks become a space, never one beside another
/// space: they stand between words (`DB\0down` must not read `DBdown`). Bidirectional
/// controls and invisible format characters are dropped: they sit inside words. Visible
/// text is kept whole: accents, CJK, emoji, right-to-left letters (whose direction comes
/// from the letters themselves, not from controls).
///
/// Kept on purpose: the zero-width joiner and non-joiner (U+200D, U+200C), which emoji
/// sequences and scripts such as Persian and the Indic ones need, and the emoji tag
/// characters (U+E0020..U+E007F) of subdivision flags. None of them can reorder text,
/// break a line or drive a terminal.
///
/// Idempotent: cleaning clean text changes nothing, so every edge may clean again.
pub fn display_text(text: &str) -> String {
    if text.chars().all(|c| treatment(c) == Treatment::Keep) {
        return text.to_owned();
    }
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        match treatment(c) {
            Treatment::Keep => shown.push(c),
            Treatment::Space if !shown.ends_with(' ') => shown.push(' '),
            Treatment::Space | Treatment::Drop => {}
        }
    }
    shown
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Treatment {
    Keep,
    Space,
    Drop,
}

fn treatment(c: char) -> Treatment {
    match c {
        // C0 (NUL, BEL, ESC, tabs, line breaks, …), DEL and C1 (NEL, CSI U+009B, OSC
        // U+009D, …), and the Unicode line and paragraph separators.
        c if c.is_control() => Treatment::Space,
        '\u{2028}' | '\u{2029}' => Treatment::Space,
        // Bidirectional controls: ALM, LRM, RLM, the embeddings and overrides
        // (U+202A..U+202E) and the isolates (U+2066..U+2069).
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => Treatment::Drop,
        // Invisible format characters: soft hyphen, Mongolian vowel separator,
        // zero-width space, word joiner and invisible operators, the deprecated
        // shaping controls, the byte order mark (zero-width no-break space),
        // interlinear annotation marks and the language tag.
        '\u{AD}'
        | '\u{180E}'
        | '\u{200B}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0001}' => Treatment::Drop,
        _ => Treatment::Keep,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn hostile_text_is_cleaned_and_ordinary_text_kept() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "plain ASCII",
                "Checkout API is down",
                "Checkout API is down",
            ),
            (
                "ESC [2J clears a terminal",
                "DB down\u{1b}[2J\u{1b}[H",
                "DB down [2J [H",
            ),
            (
                "OSC 52 writes the clipboard",
                "x\u{1b}]52;c;Y3VybCBldmlsIHwgc2g=\u{7}y",
                "x ]52;c;Y3VybCBldmlsIHwgc2g= y",
            ),
            ("C1 CSI", "red\u{9b}31mtext", "red 31mtext"),
            ("C1 OSC and ST", "a\u{9d}0;title\u{9c}b", "a 0;title b"),
            ("NUL", "DB\u{0}down", "DB down"),
            ("DEL and BEL", "a\u{7f}b\u{7}c", "a b c"),
            ("CR forges a line", "ok\rFAKE", "ok FAKE"),
            ("line breaks and tabs", "a\nb\r\nc\td", "a b c d"),
            ("no space beside a space", "ok \r\n\u{1b}next", "ok next"),
            (
                "a run with dropped characters inside",
                "a\u{7}\u{202E}\u{0}b",
                "a b",
            ),
            (
                "NEL and Unicode separators",
                "a\u{85}b\u{2028}c\u{2029}d",
                "a b c d",
            ),
            ("RLO reverses", "invoice\u{202E}fdp.exe", "invoicefdp.exe"),
            (
                "embeddings, PDF and isolates",
                "\u{202A}a\u{202B}b\u{202C}\u{202D}c\u{2066}d\u{2067}e\u{2068}f\u{2069}",
                "abcdef",
            ),
            ("LRM, RLM, ALM", "a\u{200E}b\u{200F}c\u{61C}d", "abcd"),
            (
                "invisible characters",
                "p\u{200B}a\u{2060}y\u{FEFF}p\u{AD}a\u{2062}l\u{180E}",
                "paypal",
            ),
            ("accents", "Café naïve Ærøskøbing", "Café naïve Ærøskøbing"),
            (
                "CJK",
                "数据库宕机 データベース停止",
                "数据库宕机 データベース停止",
            ),
            (
                "Arabic letters",
                "قاعدة البيانات معطلة",
                "قاعدة البيانات معطلة",
            ),
            ("Hebrew letters", "מסד הנתונים למטה", "מסד הנתונים למטה"),
            ("Persian with ZWNJ", "می\u{200C}خواهم", "می\u{200C}خواهم"),
            (
                "emoji, ZWJ sequences, skin tones, flags",
                "🔥 👩\u{200D}💻 👍🏽 🇩🇪",
                "🔥 👩\u{200D}💻 👍🏽 🇩🇪",
            ),
            (
                "subdivision flag (tag characters)",
                "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
                "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
            ),
            ("emoji variation selector", "☀\u{FE0F}", "☀\u{FE0F}"),
            ("empty", "", ""),
        ];
        for (what, input, expected) in cases {
            assert_eq!(display_text(input), *expected, "{what}: {input:?}");
        }
    }

    /// What must never be shown: controls, bidi controls, invisible format characters.
    fn acts_instead_of_showing(c: char) -> bool {
        treatment(c) != Treatment::Keep
    }

    proptest! {
        #[test]
        fn cleaned_text_is_clean_and_cleaning_again_changes_nothing(text in any::<String>()) {
            let clean = display_text(&text);
            prop_assert!(!clean.chars().any(acts_instead_of_showing), "{clean:?}");
            prop_assert_eq!(display_text(&clean), clean.clone());
            let kept: String = text.chars().filter(|c| !acts_instead_of_showing(*c)).collect();
            let shown: String = clean.chars().filter(|c| *c != ' ').collect();
            prop_assert_eq!(shown, kept.replace(' ', ""));
        }
    }
}
