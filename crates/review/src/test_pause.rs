//! A pause inside a write transaction, for crash tests. `SHENHE_TEST_PAUSE` names where:
//! `import-record:N` (after the N-th record of an import is written), `import-commit`
//! (an import about to commit) or `decision-commit` (a decision about to commit). There
//! the process says so on standard error and waits to be killed, so a test knows its kill
//! landed inside the transaction. Honoured only on databases made for tests or training,
//! like `SHENHE_REVIEWER`.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use shenhe_store::{PauseHook, PausePoint};

pub const PAUSE_VARIABLE: &str = "SHENHE_TEST_PAUSE";

/// What a paused process prints on standard error, before the point it paused at.
pub const PAUSED_MARKER: &str = "shenhe: test pause inside a write transaction:";

/// How long a pause lasts if nobody kills the process: then it goes on as if not paused.
const PAUSE_FOR: Duration = Duration::from_secs(60);

/// The pause point `SHENHE_TEST_PAUSE` asks for, if any; a malformed value is an error.
pub fn from_env() -> Result<Option<PausePoint>, String> {
    from_setting(std::env::var(PAUSE_VARIABLE).ok().as_deref())
}

/// The pause point a value of `SHENHE_TEST_PAUSE` asks for (unset or blank: none).
fn from_setting(value: Option<&str>) -> Result<Option<PausePoint>, String> {
    match value {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => parse(text.trim()).map(Some).ok_or_else(|| {
            format!(
                "{PAUSE_VARIABLE}=`{text}`: expected import-record:N (N ≥ 1), import-commit or decision-commit"
            )
        }),
    }
}

fn parse(text: &str) -> Option<PausePoint> {
    match text {
        "import-commit" => Some(PausePoint::ImportCommit),
        "decision-commit" => Some(PausePoint::DecisionCommit),
        _ => {
            let n: u64 = text.strip_prefix("import-record:")?.parse().ok()?;
            (n >= 1).then_some(PausePoint::ImportRecord(n))
        }
    }
}

/// How `SHENHE_TEST_PAUSE` writes `point`, and the paused marker names it.
pub fn name(point: PausePoint) -> String {
    match point {
        PausePoint::ImportRecord(n) => format!("import-record:{n}"),
        PausePoint::ImportCommit => "import-commit".into(),
        PausePoint::DecisionCommit => "decision-commit".into(),
    }
}

/// A hook that pauses the process when the store reaches `wanted`.
pub fn hook(wanted: PausePoint) -> PauseHook {
    Arc::new(move |reached| {
        if reached == wanted {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{PAUSED_MARKER} {}", name(reached));
            let _ = err.flush();
            drop(err);
            std::thread::sleep(PAUSE_FOR);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_points_parse_and_nonsense_is_refused() {
        assert_eq!(
            parse("import-record:512"),
            Some(PausePoint::ImportRecord(512))
        );
        assert_eq!(parse("import-commit"), Some(PausePoint::ImportCommit));
        assert_eq!(parse("decision-commit"), Some(PausePoint::DecisionCommit));
        for bad in [
            "import-record:0",
            "import-record:",
            "import-record:x",
            "commit",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        for text in ["import-record:7", "import-commit", "decision-commit"] {
            assert_eq!(parse(text).map(name).as_deref(), Some(text));
        }
        assert_eq!(from_setting(None), Ok(None));
        assert_eq!(from_setting(Some(" ")), Ok(None));
        assert_eq!(
            from_setting(Some(" import-commit ")),
            Ok(Some(PausePoint::ImportCommit))
        );
        let err = from_setting(Some("soon")).unwrap_err();
        assert!(
            err.starts_with("SHENHE_TEST_PAUSE=`soon`: expected"),
            "{err}"
        );
    }
}
