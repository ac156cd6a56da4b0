//! Reading and validating an import file: a JSON array or NDJSON of applications
//! (`docs/import-format.md`). Every record is validated before anything is written; a
//! file with any bad record writes nothing, and the error names the record, the field
//! and what is wrong.

use std::collections::HashSet;
use std::fmt;
use std::io::{BufRead, Read};

use chrono::{DateTime, Duration, FixedOffset};

use shenhe_domain::application::Application;
use shenhe_domain::policy::Policy;

/// Limits that keep an absurd file from becoming an absurd database.
pub mod limits {
    /// One record, as bytes of JSON.
    pub const RECORD_BYTES: usize = 64 * 1024;
    /// One whole file.
    pub const FILE_BYTES: u64 = 4 * 1024 * 1024 * 1024;
    pub const RECORDS: u64 = 5_000_000;
    pub const ID_CHARS: usize = 40;
    pub const NAME_CHARS: usize = 100;
    pub const PERSON_CHARS: usize = 50;
    pub const ACCOUNT_CHARS: usize = 100;
    pub const REFERENCE_CHARS: usize = 200;
    pub const URL_CHARS: usize = 2048;
    pub const ICP_CHARS: usize = 50;
    pub const CREDENTIAL_CHARS: usize = 100;
    pub const MATERIALS: usize = 20;
    pub const GOODS: usize = 30;
    pub const AMOUNT_YUAN: u32 = 10_000_000;
    /// How many bad records one error report lists.
    pub const REPORTED: usize = 20;
}

/// Where a record stands in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// NDJSON: the line, from 1.
    Line(u64),
    /// A JSON array: the index, from 0.
    Index(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Index(n) => write!(f, "record {n}"),
        }
    }
}

/// One bad record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub position: Position,
    /// The application id, when it could be read.
    pub id: Option<String>,
    /// The field path (`applicant.kind`), when the problem is in one field.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.position)?;
        if let Some(id) = &self.id {
            write!(f, " ({})", shenhe_domain::text::fit(id, limits::ID_CHARS))?;
        }
        if let Some(field) = &self.field {
            // The path names the applicant's own keys when one is unknown.
            write!(f, ", field `{}`", shenhe_domain::text::fit(field, 80))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a file was not imported. Nothing was written.
#[derive(Debug)]
pub enum ImportError {
    /// The file as a whole is unusable (unreadable, too large, not JSON at all).
    File(String),
    /// Some records are bad: up to [`limits::REPORTED`] of them, and how many in all.
    Records {
        errors: Vec<RecordError>,
        total: u64,
    },
    /// Writing failed; the transaction was rolled back.
    Store(shenhe_store::StoreError),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::File(msg) => write!(f, "{msg}; nothing was imported"),
            ImportError::Records { errors, total } => {
                write!(
                    f,
                    "{total} bad record{}; nothing was imported",
                    if *total == 1 { "" } else { "s" }
                )?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                if *total > errors.len() as u64 {
                    write!(f, "\n  … and {} more", *total - errors.len() as u64)?;
                }
                Ok(())
            }
            ImportError::Store(e) => write!(f, "{e}; nothing was imported"),
        }
    }
}

impl std::error::Error for ImportError {}

/// Reads records one at a time from an NDJSON stream or a JSON array, calling `each`
/// with every record that parses and validates, and collecting the errors of the rest.
pub struct RecordReader<'p> {
    policy: &'p Policy,
    now: DateTime<FixedOffset>,
    // foldhash, seeded at random for each process: SipHash cost a twentieth of reading a
    // million records, and one import's seed cannot be learnt to aim collisions at it.
    seen_ids: foldhash::HashSet<String>,
    pub errors: Vec<RecordError>,
    pub bad: u64,
    pub records: u64,
}

impl<'p> RecordReader<'p> {
    pub fn new(policy: &'p Policy, now: DateTime<FixedOffset>) -> Self {
        RecordReader {
            policy,
            now,
            seen_ids: foldhash::HashSet::default(),
            errors: Vec::new(),
            bad: 0,
            records: 0,
        }
    }

    fn fail(&mut self, error: RecordError) {
        self.bad += 1;
        if self.errors.len() < limits::REPORTED {
            self.errors.push(error);
        }
    }

    /// Reads the whole input. `each` gets every good record, in order; it may stop the
    /// reading by returning an error (a store failure).
    pub fn read<R: BufRead>(
        &mut self,
        mut input: R,
        each: &mut dyn FnMut(Position, Application) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        // A UTF-8 byte order mark, as Windows tools write, is not part of the text (RFC 8259).
        let start = input
            .fill_buf()
            .map_err(|e| ImportError::File(format!("cannot read the input: {e}")))?;
        if start.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
        }
        let first = loop {
            let buf = input
                .fill_buf()
                .map_err(|e| ImportError::File(format!("cannot read the input: {e}")))?;
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => break Some(buf[i]),
                None if buf.is_empty() => break None,
                None => {
                    let n = buf.len();
                    input.consume(n);
                }
            }
        };
        match first {
            None => Err(ImportError::File(
                "the input is empty: expected a JSON array or NDJSON of applications".into(),
            )),
            Some(b'[') => self.read_array(input, each),
            Some(_) => self.read_lines(input, each),
        }
    }

    fn read_lines<R: BufRead>(
        &mut self,
        mut input: R,
        each: &mut dyn FnMut(Position, Application) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let mut line = Vec::with_capacity(4096);
        let mut number = 0u64;
        let mut total_bytes = 0u64;
        loop {
            line.clear();
            // Read at most one byte past the record limit, so a huge line cannot exhaust memory.
            let n = input
                .by_ref()
                .take(limits::RECORD_BYTES as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| ImportError::File(format!("cannot read the input: {e}")))?;
            if n == 0 {
                break;
            }
            number += 1;
            total_bytes += n as u64;
            let position = Position::Line(number);
            if line.len() > limits::RECORD_BYTES && !line.ends_with(b"\n") {
                self.fail(RecordError {
                    position,
                    id: None,
                    field: None,
                    message: format!(
                        "the record is longer than the limit of {} KiB",
                        limits::RECORD_BYTES / 1024
                    ),
                });
                // Skip the rest of this line.
                loop {
                    let buf = input
                        .fill_buf()
                        .map_err(|e| ImportError::File(format!("cannot read the input: {e}")))?;
                    if buf.is_empty() {
                        break;
                    }
                    match buf.iter().position(|b| *b == b'\n') {
                        Some(i) => {
                            total_bytes += i as u64 + 1;
                            input.consume(i + 1);
                            break;
                        }
                        None => {
                            let len = buf.len();
                            total_bytes += len as u64;
                            input.consume(len);
                        }
                    }
                    // A line without end (`import /dev/zero`) is still a file with a limit.
                    if total_bytes > limits::FILE_BYTES {
                        return Err(too_large());
                    }
                }
                continue;
            }
            if total_bytes > limits::FILE_BYTES {
                return Err(too_large());
            }
            let text = match std::str::from_utf8(&line) {
                Ok(t) => t,
                Err(e) => {
                    self.fail(RecordError {
                        position,
                        id: None,
                        field: None,
                        message: format!(
                            "not valid UTF-8 (byte {} of the line)",
                            e.valid_up_to() + 1
                        ),
                    });
                    continue;
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            let text = text.to_owned();
            self.record(&text, position, each)?;
        }
        self.finish()
    }

    /// A JSON array, one element at a time: memory holds one record, never the file.
    /// Elements are split by tracking strings and nesting, then each is parsed alone, so
    /// one bad record does not hide the others.
    fn read_array<R: BufRead>(
        &mut self,
        input: R,
        each: &mut dyn FnMut(Position, Application) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let mut elements = ArrayElements::new(input);
        let mut element = Vec::with_capacity(4096);
        let mut index = 0u64;
        while let Some(too_long) = elements.next(&mut element)? {
            let position = Position::Index(index);
            index += 1;
            if too_long {
                self.fail(RecordError {
                    position,
                    id: None,
                    field: None,
                    message: format!(
                        "the record is longer than the limit of {} KiB",
                        limits::RECORD_BYTES / 1024
                    ),
                });
                continue;
            }
            let text = std::str::from_utf8(&element).map_err(|e| {
                let line = elements.line_of(e.valid_up_to());
                ImportError::File(format!("the input is not valid UTF-8 (line {line})"))
            })?;
            self.record(text, position, each)?;
        }
        self.finish()
    }

    fn finish(&mut self) -> Result<(), ImportError> {
        if self.bad > 0 {
            return Err(ImportError::Records {
                errors: std::mem::take(&mut self.errors),
                total: self.bad,
            });
        }
        if self.records == 0 {
            return Err(ImportError::File("the input holds no applications".into()));
        }
        Ok(())
    }

    fn record(
        &mut self,
        text: &str,
        position: Position,
        each: &mut dyn FnMut(Position, Application) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.records += 1;
        if self.records > limits::RECORDS {
            return Err(ImportError::File(format!(
                "more than {} records in one file",
                limits::RECORDS
            )));
        }
        match parse_record(text, self.policy, self.now) {
            Err((id, field, message)) => self.fail(RecordError {
                position,
                id,
                field,
                message,
            }),
            Ok(app) => {
                if !self.seen_ids.insert(app.id.clone()) {
                    let id = Some(app.id.clone());
                    self.fail(RecordError {
                        position,
                        id,
                        field: Some("id".into()),
                        message: "the same id appears earlier in this file".into(),
                    });
                } else if self.bad == 0 {
                    each(position, app)?;
                }
            }
        }
        Ok(())
    }
}

type FieldError = (Option<String>, Option<String>, String);

/// Parses and validates one record.
pub fn parse_record(
    text: &str,
    policy: &Policy,
    now: DateTime<FixedOffset>,
) -> Result<Application, FieldError> {
    // serde would also read a struct from an array of its field values in order; the
    // format is one object of named fields.
    if text.trim_start().starts_with('[') {
        return Err((
            None,
            None,
            "a JSON array, not an object: a record is one {…} of named fields".into(),
        ));
    }
    // Most records are good: parse them the fast way, and only a bad one again with
    // the path to its field tracked, for the error message.
    let app: Application = match serde_json::from_str(text) {
        Ok(app) => app,
        Err(_) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let app: Application = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                let id = peek_id(text);
                let field = (path != "." && !path.is_empty()).then_some(path);
                (id, field, clean_serde_message(&e.into_inner().to_string()))
            })?;
            de.end().map_err(|e| {
                (
                    None,
                    None,
                    format!("trailing characters after the record: {e}"),
                )
            })?;
            app
        }
    };
    validate(&app, policy, now)
        .map_err(|(field, message)| (Some(app.id.clone()), Some(field), message))?;
    Ok(app)
}

/// The id of a record that failed to parse, when it has a readable one.
fn peek_id(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: String,
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::from_value::<IdOnly>(value)
        .ok()
        .map(|r| r.id)
        .filter(|id| id.chars().count() <= limits::ID_CHARS)
}

/// serde's messages end with "at line 1 column 345": the position is the record's, said already.
/// The message quotes the offending key or value, which is applicant text: made safe here.
fn clean_serde_message(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    shenhe_domain::text::fit(message, 300)
}

fn check_len(field: &str, value: &str, max: usize, required: bool) -> Result<(), (String, String)> {
    if required && shenhe_domain::text::is_blank(value) {
        return Err((
            field.into(),
            if value.is_empty() {
                "must not be empty".into()
            } else {
                "must not be empty (it holds only spaces or invisible characters)".into()
            },
        ));
    }
    // No more bytes than the limit is no more characters: most values need no count.
    if value.len() <= max {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars > max {
        return Err((
            field.into(),
            format!("is {chars} characters long; the limit is {max}"),
        ));
    }
    Ok(())
}

/// Everything serde's types do not already say: ids, lengths, the catalogue.
pub fn validate(
    app: &Application,
    policy: &Policy,
    now: DateTime<FixedOffset>,
) -> Result<(), (String, String)> {
    check_len("id", &app.id, limits::ID_CHARS, true)?;
    if !app
        .id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err((
            "id".into(),
            "may hold only ASCII letters, digits, - and _".into(),
        ));
    }
    if app.submitted_at > now + Duration::hours(1) {
        return Err((
            "submitted_at".into(),
            format!("{} is in the future", app.submitted_at.to_rfc3339()),
        ));
    }
    if app.submitted_at.timestamp_subsec_nanos() >= 1_000_000_000
        && !real_leap_second(app.submitted_at)
    {
        return Err((
            "submitted_at".into(),
            format!(
                "{} is a leap second that did not happen (23:59:60 UTC at the end of 2005-12-31, 2008-12-31, 2012-06-30, 2015-06-30 or 2016-12-31 only)",
                app.submitted_at.to_rfc3339()
            ),
        ));
    }
    if app.submitted_at.timestamp() < 946_684_800 {
        return Err((
            "submitted_at".into(),
            format!("{} is before the year 2000", app.submitted_at.to_rfc3339()),
        ));
    }
    let a = &app.applicant;
    check_len("applicant.name", &a.name, limits::NAME_CHARS, true)?;
    check_len("applicant.account", &a.account, limits::ACCOUNT_CHARS, true)?;
    check_len("applicant.contact", &a.contact, limits::PERSON_CHARS, true)?;
    if let Some(rep) = &a.legal_representative {
        check_len(
            "applicant.legal_representative",
            rep,
            limits::PERSON_CHARS,
            false,
        )?;
    }
    if a.security.len() > 3 {
        return Err((
            "applicant.security".into(),
            "lists more than the three security products".into(),
        ));
    }
    if app.materials.len() > limits::MATERIALS {
        return Err((
            "materials".into(),
            format!(
                "holds {} items; the limit is {}",
                app.materials.len(),
                limits::MATERIALS
            ),
        ));
    }
    for (i, m) in app.materials.iter().enumerate() {
        check_len(
            &format!("materials[{i}].reference"),
            &m.reference,
            limits::REFERENCE_CHARS,
            false,
        )?;
        if let Some(category) = &m.category
            && policy.goods_category(category).is_none()
        {
            return Err((
                format!("materials[{i}].category"),
                format!(
                    "unknown goods category `{}`",
                    shenhe_domain::text::fit(category, 40)
                ),
            ));
        }
    }
    let Some(product) = policy.product(&app.product) else {
        return Err((
            "product".into(),
            format!(
                "unknown product `{}`",
                shenhe_domain::text::fit(&app.product, 40)
            ),
        ));
    };
    if product.plans.is_empty() {
        if !app.plan.is_empty() {
            return Err((
                "plan".into(),
                format!(
                    "product `{}` has no plan: leave `plan` out (found `{}`)",
                    product.code,
                    shenhe_domain::text::fit(&app.plan, 40)
                ),
            ));
        }
    } else if app.plan.is_empty() {
        return Err((
            "plan".into(),
            format!(
                "missing: product `{}` needs one of {}",
                product.code,
                product.plans.join(", ")
            ),
        ));
    } else if policy.plan(&app.plan).is_none() {
        return Err((
            "plan".into(),
            format!("unknown plan `{}`", shenhe_domain::text::fit(&app.plan, 40)),
        ));
    }
    if !product.plans.is_empty() && !product.plans.contains(&app.plan) {
        return Err((
            "plan".into(),
            format!(
                "plan `{}` is not offered for product `{}` (offered: {})",
                app.plan,
                product.code,
                product.plans.join(", ")
            ),
        ));
    }
    if let Some(p) = &app.payment
        && p.amount_yuan > limits::AMOUNT_YUAN
    {
        return Err((
            "payment.amount_yuan".into(),
            format!(
                "{} is larger than the limit of {}",
                p.amount_yuan,
                limits::AMOUNT_YUAN
            ),
        ));
    }
    if let Some(w) = &app.website {
        check_len("website.url", &w.url, limits::URL_CHARS, true)?;
        if let Some(icp) = &w.icp {
            check_len("website.icp", icp, limits::ICP_CHARS, false)?;
        }
        if let Some(acc) = &w.test_account {
            check_len("website.test_account", acc, limits::CREDENTIAL_CHARS, false)?;
        }
        if let Some(pw) = &w.test_password {
            check_len("website.test_password", pw, limits::CREDENTIAL_CHARS, false)?;
        }
    }
    if app.goods.len() > limits::GOODS {
        return Err((
            "goods".into(),
            format!(
                "holds {} items; the limit is {}",
                app.goods.len(),
                limits::GOODS
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (i, g) in app.goods.iter().enumerate() {
        if policy.goods_category(g).is_none() {
            return Err((
                format!("goods[{i}]"),
                format!(
                    "unknown goods category `{}`",
                    shenhe_domain::text::fit(g, 40)
                ),
            ));
        }
        if !seen.insert(g) {
            return Err((format!("goods[{i}]"), format!("`{g}` is listed twice")));
        }
    }
    Ok(())
}

fn too_large() -> ImportError {
    ImportError::File(format!(
        "the input is larger than the limit of {} GiB",
        limits::FILE_BYTES >> 30
    ))
}

/// Splits a JSON array into its elements' bytes without parsing them: what a record
/// holds is `parse_record`'s business, where each element is found is this one's.
struct ArrayElements<R> {
    input: R,
    /// Bytes read so far, against [`limits::FILE_BYTES`].
    total: u64,
    /// Newlines read so far: the line an error is on.
    lines: u64,
    /// Newlines inside the element being read (to find a line inside it).
    element_newlines: Vec<usize>,
    /// The line the element being read starts on.
    element_line: u64,
    started: bool,
    ended: bool,
}

impl<R: BufRead> ArrayElements<R> {
    fn new(input: R) -> Self {
        ArrayElements {
            input,
            total: 0,
            lines: 1,
            element_newlines: Vec::new(),
            element_line: 1,
            started: false,
            ended: false,
        }
    }

    fn byte(&mut self) -> Result<Option<u8>, ImportError> {
        let buf = self
            .input
            .fill_buf()
            .map_err(|e| ImportError::File(format!("cannot read the input: {e}")))?;
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.input.consume(1);
        self.total += 1;
        if self.total > limits::FILE_BYTES {
            return Err(too_large());
        }
        if b == b'\n' {
            self.lines += 1;
        }
        Ok(Some(b))
    }

    fn structure(&self, what: &str) -> ImportError {
        ImportError::File(format!(
            "the input is not a JSON array of objects: {what} at line {}",
            self.lines
        ))
    }

    /// The line of byte `offset` of the element just read.
    fn line_of(&self, offset: usize) -> u64 {
        let before = self
            .element_newlines
            .iter()
            .filter(|&&i| i < offset)
            .count();
        self.element_line + before as u64
    }

    fn skip_whitespace(&mut self) -> Result<Option<u8>, ImportError> {
        loop {
            match self.byte()? {
                Some(b) if b.is_ascii_whitespace() => continue,
                other => return Ok(other),
            }
        }
    }

    /// The next element into `out` (trimmed of the whitespace around it): Some(true)
    /// when it was longer than a record may be (then `out` holds only its start).
    fn next(&mut self, out: &mut Vec<u8>) -> Result<Option<bool>, ImportError> {
        out.clear();
        self.element_newlines.clear();
        if self.ended {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            match self.skip_whitespace()? {
                Some(b'[') => {}
                _ => return Err(self.structure("it does not start with [")),
            }
            match self.skip_whitespace()? {
                Some(b']') => self.end(),
                Some(b) => self.element(b, out),
                None => Err(self.structure("it ends before its closing ]")),
            }
        } else {
            match self.skip_whitespace()? {
                Some(b) => self.element(b, out),
                None => Err(self.structure("it ends before its closing ]")),
            }
        }
    }

    fn end(&mut self) -> Result<Option<bool>, ImportError> {
        self.ended = true;
        match self.skip_whitespace()? {
            None => Ok(None),
            Some(_) => Err(self.structure("something follows its closing ]")),
        }
    }

    /// One element starting with `first`, up to the `,` or `]` after it.
    fn element(&mut self, first: u8, out: &mut Vec<u8>) -> Result<Option<bool>, ImportError> {
        if first == b',' || first == b']' {
            return Err(self.structure("an element is missing"));
        }
        self.element_line = self.lines;
        let mut too_long = false;
        let mut depth = 0u32;
        let mut in_string = false;
        let mut escaped = false;
        // Whitespace between tokens is part of the element only if more of it follows:
        // counted, not kept, until then (a run of it could be gigabytes).
        let (mut spaces, mut newlines) = (0usize, 0usize);
        // A whole value was read (an object or array closed, a string ended) at the top.
        let mut complete = false;
        let mut b = first;
        loop {
            if complete && !b.is_ascii_whitespace() && b != b',' && b != b']' {
                return Err(self.structure("a , is missing between two records"));
            }
            let was_in_string = in_string;
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    complete = depth == 0;
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        complete = depth == 0;
                    }
                    b',' | b']' if depth == 0 => {
                        if b == b']' {
                            self.end()?;
                        }
                        return Ok(Some(too_long || out.len() > limits::RECORD_BYTES));
                    }
                    b'}' => return Err(self.structure("an unmatched }")),
                    _ => {}
                }
            }
            if !was_in_string && b.is_ascii_whitespace() {
                if b == b'\n' {
                    newlines += 1;
                } else {
                    spaces += 1;
                }
            } else {
                for w in
                    std::iter::repeat_n(b'\n', newlines).chain(std::iter::repeat_n(b' ', spaces))
                {
                    self.keep(out, w, &mut too_long);
                }
                (spaces, newlines) = (0, 0);
                self.keep(out, b, &mut too_long);
            }
            if in_string && !escaped {
                self.string_run(out, &mut too_long)?;
            }
            b = match self.byte()? {
                Some(b) => b,
                None => return Err(self.structure("it ends before its closing ]")),
            };
        }
    }

    /// The plain bytes of a string up to its next quote, backslash or newline, taken from
    /// the buffer at once: strings are most of a record, and byte by byte is slow.
    fn string_run(&mut self, out: &mut Vec<u8>, too_long: &mut bool) -> Result<(), ImportError> {
        let buf = self
            .input
            .fill_buf()
            .map_err(|e| ImportError::File(format!("cannot read the input: {e}")))?;
        let n = buf
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b == b'\n')
            .unwrap_or(buf.len());
        let room = (limits::RECORD_BYTES + 1).saturating_sub(out.len());
        if n > room {
            *too_long = true;
        }
        out.extend_from_slice(&buf[..n.min(room)]);
        self.input.consume(n);
        self.total += n as u64;
        if self.total > limits::FILE_BYTES {
            return Err(too_large());
        }
        Ok(())
    }

    /// Keeps one byte of the element, or notes that it is longer than a record may be.
    fn keep(&mut self, out: &mut Vec<u8>, b: u8, too_long: &mut bool) {
        if out.len() > limits::RECORD_BYTES {
            *too_long = true;
            return;
        }
        if b == b'\n' {
            self.element_newlines.push(out.len());
        }
        out.push(b);
    }
}

/// A leap second UTC had since 2000 (chrono reads 23:59:60 as 23:59:59 and a second more).
fn real_leap_second(at: DateTime<FixedOffset>) -> bool {
    use chrono::Timelike;
    let utc = at.naive_utc();
    let dates = [
        "2005-12-31",
        "2008-12-31",
        "2012-06-30",
        "2015-06-30",
        "2016-12-31",
    ];
    (utc.hour(), utc.minute(), utc.second()) == (23, 59, 59)
        && dates.contains(&utc.date().format("%Y-%m-%d").to_string().as_str())
}
