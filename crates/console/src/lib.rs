//! The review console: key → action → state → frame. One owner of the state (the event
//! loop), one worker thread for the database, and rendering that only reads the state.

pub mod action;
pub mod app;
pub mod keys;
pub mod screen;
pub mod ui;
pub mod worker;

use std::io::{IsTerminal, Stdout};
use std::sync::Arc;

use ratatui::crossterm::event::{self, Event};
use ratatui::layout::Size;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use app::App;
use screen::Screen;
use shenhe_present::Lang;
use shenhe_review::Review;
use worker::{Request, Response, Worker};

/// Why the console stopped other than by the reviewer's choice.
#[derive(Debug)]
pub enum ConsoleError {
    /// Reading keys from, or writing to, the terminal failed.
    Terminal(std::io::Error),
    /// The database worker thread ended (it panicked); nothing it did is half-written.
    WorkerStopped,
}

impl From<std::io::Error> for ConsoleError {
    fn from(e: std::io::Error) -> Self {
        ConsoleError::Terminal(e)
    }
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsoleError::Terminal(e) => write!(f, "the terminal: {e}"),
            ConsoleError::WorkerStopped => f.write_str(
                "the console's database worker stopped unexpectedly; nothing was lost (every decision is one transaction)",
            ),
        }
    }
}

impl std::error::Error for ConsoleError {}

/// Whether standard input and output are a terminal the console can run in.
pub fn has_terminal() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

/// Runs the console on `review` (opened by the caller) until the reviewer quits. The
/// terminal is restored on every way out: quit, Ctrl-c, an error, a panic, or
/// SIGTERM/SIGHUP (the SSH session went away), SIGINT/SIGQUIT sent from outside.
pub fn run(review: Review, lang: Lang) -> Result<(), ConsoleError> {
    run_with(review, lang, None)
}

/// `run`, with the site probe behind the detail's P key.
pub fn run_with(
    review: Review,
    lang: Lang,
    prober: Option<worker::Prober>,
) -> Result<(), ConsoleError> {
    run_configured(
        review,
        Settings {
            prober,
            ..Settings::new(lang)
        },
    )
}

/// How the console runs: what the command line and the reviewer's config file chose.
pub struct Settings {
    pub lang: Lang,
    /// The site probe behind the detail's P key.
    pub prober: Option<worker::Prober>,
    /// The keys in force (the defaults, changed by the config file).
    pub keys: Arc<keys::Keymap>,
    pub theme: ui::Theme,
    /// Mouse capture: clicks and the wheel (the terminal's own text selection then needs
    /// Shift, in most terminals).
    pub mouse: bool,
}

impl Settings {
    /// The defaults: the default keys, colours unless NO_COLOR, the mouse on.
    pub fn new(lang: Lang) -> Settings {
        Settings {
            lang,
            prober: None,
            keys: keys::Keymap::standard(),
            theme: ui::Theme::from_env(),
            mouse: true,
        }
    }
}

/// [`run`] as `settings` say.
pub fn run_configured(review: Review, settings: Settings) -> Result<(), ConsoleError> {
    let _ = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install();
    // Read before the runtime starts: inside it, only the worker thread touches the store
    // (a store's own blocking client, PostgreSQL's, must not run inside the runtime).
    // Unreadable: not a lead here; the review layer checks again when it writes.
    let lead = review.is_lead().unwrap_or(false);
    let mut screen = screen::init(settings.mouse).inspect_err(|_| screen::restore())?;
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ConsoleError::from)
        .and_then(|rt| rt.block_on(event_loop(&mut screen, review, settings, lead)));
    screen::restore();
    result
}

async fn event_loop(
    screen: &mut Screen<Stdout>,
    review: Review,
    settings: Settings,
    lead: bool,
) -> Result<(), ConsoleError> {
    let Settings {
        lang,
        prober,
        keys,
        theme,
        mouse: _,
    } = settings;
    let size = screen.size();
    let mut app = App::new(
        lang,
        Arc::clone(review.policy()),
        review.actor().to_string(),
        review.now(),
        size.width,
        size.height,
    );
    app.lead = lead;
    app.keys = keys;
    let mut clicks = Clicks::default();

    let (input_tx, mut input) = unbounded_channel::<Event>();
    std::thread::spawn(move || {
        while let Ok(e) = event::read() {
            if input_tx.send(e).is_err() {
                break;
            }
        }
    });
    let (worker_tx, mut responses) = unbounded_channel::<Response>();
    // Made on a thread of its own, outside the runtime: Worker::new reads the store, and
    // a store's blocking client (PostgreSQL's) must not run inside the runtime.
    let mut worker = std::thread::scope(|s| s.spawn(move || Worker::new(review, worker_tx)).join())
        .map_err(|_| ConsoleError::WorkerStopped)?;
    if let Some(p) = prober {
        worker.set_prober(p);
    }
    let (requests, worker_requests) = worker.channel();
    let worker = std::thread::spawn(move || worker.run(worker_requests));

    #[cfg(unix)]
    let (mut term, mut hangup, mut interrupt, mut quit) = {
        use tokio::signal::unix::{SignalKind, signal};
        // In raw mode Ctrl-c and Ctrl-\ are keys, not signals: these come from outside
        // (`kill -INT`, a supervisor), and must leave a usable terminal like SIGTERM does.
        (
            signal(SignalKind::terminate())?,
            signal(SignalKind::hangup())?,
            signal(SignalKind::interrupt())?,
            signal(SignalKind::quit())?,
        )
    };

    for r in app.start() {
        let _ = requests.send(r);
    }
    draw(screen, &mut app, theme)?;
    // The worker only stops early by a panic (reported by the panic hook): without it the
    // console could show nothing true, so it stops too.
    let mut worker_stopped = false;
    loop {
        #[cfg(unix)]
        let stop = tokio::select! {
            Some(e) = input.recv() => { handle(&mut app, e, &requests, &mut clicks); false }
            r = responses.recv() => match r {
                Some(r) => { send(&requests, app.apply(r)); false }
                None => { worker_stopped = true; true }
            },
            _ = term.recv() => true,
            _ = hangup.recv() => true,
            _ = interrupt.recv() => true,
            _ = quit.recv() => true,
            else => true,
        };
        #[cfg(not(unix))]
        let stop = tokio::select! {
            Some(e) = input.recv() => { handle(&mut app, e, &requests, &mut clicks); false }
            r = responses.recv() => match r {
                Some(r) => { send(&requests, app.apply(r)); false }
                None => { worker_stopped = true; true }
            },
            else => true,
        };
        if stop {
            app.quit = true;
        }
        // Coalesce: everything already waiting is applied before one frame is drawn.
        drain(&mut app, &mut input, &mut responses, &requests, &mut clicks);
        if app.quit {
            break;
        }
        draw(screen, &mut app, theme)?;
    }
    let _ = requests.send(Request::Close);
    drop(requests);
    let _ = worker.join();
    if worker_stopped {
        return Err(ConsoleError::WorkerStopped);
    }
    Ok(())
}

/// One frame of the state, at the size the app was last told of, sent to the terminal;
/// returns the frame.
pub fn draw<'s, W: std::io::Write>(
    screen: &'s mut Screen<W>,
    app: &mut App,
    theme: ui::Theme,
) -> std::io::Result<&'s ratatui::buffer::Buffer> {
    if std::mem::take(&mut app.repaint) {
        screen.repaint();
    }
    if let Some(text) = app.clipboard.take() {
        screen.copy(&text)?;
    }
    screen.resize(Size::new(app.width, app.height));
    ui::lay_out(app, theme);
    let window = ui::scrolling(app);
    screen.draw(|f| ui::draw(f, app, theme), window)
}

/// The last press of the left button: a second one on the same cell soon after is a
/// double click.
#[derive(Default)]
struct Clicks {
    last: Option<(std::time::Instant, u16, u16)>,
}

const DOUBLE_CLICK: std::time::Duration = std::time::Duration::from_millis(400);

impl Clicks {
    fn pointer(&mut self, mouse: event::MouseEvent) -> Option<app::Pointer> {
        use event::{MouseButton, MouseEventKind};
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let now = std::time::Instant::now();
                let double = self.last.is_some_and(|(at, column, row)| {
                    column == mouse.column && row == mouse.row && now - at <= DOUBLE_CLICK
                });
                // A third press starts again.
                self.last = (!double).then_some((now, mouse.column, mouse.row));
                Some(app::Pointer::Click {
                    column: mouse.column,
                    row: mouse.row,
                    double,
                })
            }
            MouseEventKind::ScrollDown => Some(app::Pointer::Wheel { down: true }),
            MouseEventKind::ScrollUp => Some(app::Pointer::Wheel { down: false }),
            _ => None,
        }
    }
}

fn handle(app: &mut App, e: Event, requests: &worker::Requests, clicks: &mut Clicks) {
    let out = match e {
        Event::Key(key) => {
            let _ = requests.send(Request::Active);
            match app.keys.action_for(app.mode(), key) {
                Some(action) => app.update(action),
                None => Vec::new(),
            }
        }
        Event::Mouse(mouse) => match clicks.pointer(mouse) {
            Some(pointer) => {
                let _ = requests.send(Request::Active);
                app.pointer(pointer)
            }
            None => Vec::new(),
        },
        Event::Resize(w, h) => app.resize(w, h),
        // Text, never keys: a pasted newline is a new line of the field, not Enter.
        Event::Paste(text) => app.paste(&text),
        _ => Vec::new(),
    };
    send(requests, out);
}

fn send(requests: &worker::Requests, out: Vec<Request>) {
    for r in out {
        let _ = requests.send(r);
    }
}

fn drain(
    app: &mut App,
    input: &mut UnboundedReceiver<Event>,
    responses: &mut UnboundedReceiver<Response>,
    requests: &worker::Requests,
    clicks: &mut Clicks,
) {
    loop {
        let mut any = false;
        while let Ok(e) = input.try_recv() {
            handle(app, e, requests, clicks);
            any = true;
        }
        while let Ok(r) = responses.try_recv() {
            send(requests, app.apply(r));
            any = true;
        }
        if !any || app.quit {
            break;
        }
    }
}
