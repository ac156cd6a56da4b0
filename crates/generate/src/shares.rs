//! How the demo queue is made up: the share of applications with each problem, and the
//! weights that decide who applies, for which product, and when. Kept in one place so that
//! the mix can be tuned without reading the code that draws it.

// ---- shares of problems: each a few percent, as in a real queue ----

/// Accounts that have not passed real-name verification.
pub(crate) const UNVERIFIED: f64 = 0.05;
/// Accounts without any security product.
pub(crate) const NO_SECURITY_PRODUCT: f64 = 0.04;
/// Enterprises whose contact is not the legal representative (they need a letter)...
pub(crate) const CONTACT_IS_SOMEONE_ELSE: f64 = 0.25;
/// ...and of those, the ones who forgot the letter.
pub(crate) const LETTER_FORGOTTEN: f64 = 0.2;
pub(crate) const ID_BACK_MISSING: f64 = 0.04;
/// Of the applications with a website.
pub(crate) const TAOBAO_SHOP: f64 = 0.05;
pub(crate) const WEBSITE_NOT_BUILT: f64 = 0.04;
/// Where the product requires an ICP filing.
pub(crate) const ICP_MISSING: f64 = 0.03;
pub(crate) const ICP_MALFORMED: f64 = 0.03;
/// Where it does not: most Chinese sites show a filing number anyway.
pub(crate) const ICP_SHOWN_ANYWAY: f64 = 0.8;
/// Of the login sites.
pub(crate) const LOGIN_WITHOUT_CREDENTIALS: f64 = 0.3;
pub(crate) const PROHIBITED_GOODS: f64 = 0.03;
pub(crate) const RESTRICTED_GOODS: f64 = 0.08;
/// Of the applications with restricted goods.
pub(crate) const RESTRICTED_QUALIFIED: f64 = 0.5;
/// Of the prepaid packages. Unpaid ones are mostly offline payments that have not arrived.
pub(crate) const PACKAGE_UNPAID: f64 = 0.05;
pub(crate) const PACKAGE_UNDERPAID: f64 = 0.02;
pub(crate) const PACKAGE_WITHOUT_PAYMENT: f64 = 0.01;
/// Tiered plans pay nothing up front, but a few merchants pay anyway.
pub(crate) const TIERED_WITH_PAYMENT: f64 = 0.01;

// ---- shape of the queue ----

pub(crate) const ENTERPRISE: f64 = 0.7;
/// Platform merchants are almost always companies.
pub(crate) const PLATFORM_ENTERPRISE: f64 = 0.95;
/// Interface products outside the website checks (QR codes, in-app pay) sometimes name a site.
pub(crate) const OPTIONAL_WEBSITE: f64 = 0.5;
/// Settlement products need no integration and usually no website.
pub(crate) const SETTLEMENT_WEBSITE: f64 = 0.1;

/// Submissions spread over this many days before `now`.
pub(crate) const WINDOW_DAYS: usize = 28;
/// Relative number of submissions on a business day and on a weekend or holiday.
pub(crate) const BUSINESS_DAY_WEIGHT: u32 = 5;
pub(crate) const DAY_OFF_WEIGHT: u32 = 2;
/// Relative submissions per hour of the day (China Standard Time): office hours, a lunch dip.
#[rustfmt::skip]
pub(crate) const HOUR_WEIGHTS: [u32; 24] = [
    2, 1, 1, 1, 1, 1, 2, 4, 9, 15, 18, 16, 9, 12, 16, 16, 15, 12, 8, 6, 6, 5, 3, 2,
];

/// Relative frequency of the product groups; groups not named here weigh 1.
pub(crate) const GROUP_WEIGHTS: &[(&str, u32)] =
    &[("website", 4), ("platform", 2), ("wireless", 2)];
/// The tiered rate is the default choice; packages are for merchants who expect volume.
pub(crate) const TIERED_PLAN_WEIGHT: u32 = 3;
pub(crate) const PACKAGE_PLAN_WEIGHT: u32 = 1;
