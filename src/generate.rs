// placeholder until the generator branch is merged; never committed
use crate::domain::policy::Policy;
use chrono::{DateTime, FixedOffset};
pub fn write_ndjson(
    _: &Policy,
    _: u64,
    _: DateTime<FixedOffset>,
    _: u64,
    _: &mut impl std::io::Write,
) -> std::io::Result<()> {
    Ok(())
}
