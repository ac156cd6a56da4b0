//! The generator: draws each application from its own stream of the seeded PRNG, and
//! writes many of them as NDJSON, made on every core but written in order.

use std::fmt::Write as _;
use std::io::{self, Write};

use chrono::{DateTime, Datelike, FixedOffset};

use shenhe_domain::application::{Applicant, ApplicantKind, Application};
use shenhe_domain::calendar::china;
use shenhe_domain::checks::CheckId;
use shenhe_domain::policy::{GoodsStatus, Policy, ProductKind};

use crate::materials::materials;
use crate::payment::payment;
use crate::people::{Brand, Person, account, security_products};
use crate::rng::Rng;
use crate::shares::{
    BUSINESS_DAY_WEIGHT, CONTACT_IS_SOMEONE_ELSE, DAY_OFF_WEIGHT, ENTERPRISE, GROUP_WEIGHTS,
    HOUR_WEIGHTS, OPTIONAL_WEBSITE, PACKAGE_PLAN_WEIGHT, PLATFORM_ENTERPRISE, PROHIBITED_GOODS,
    RESTRICTED_GOODS, RESTRICTED_QUALIFIED, SETTLEMENT_WEBSITE, TIERED_PLAN_WEIGHT, UNVERIFIED,
    WINDOW_DAYS,
};
use crate::vocabulary::{CITIES, DOMAIN_SUFFIXES, INDUSTRIES, TLDS};
use crate::website::website;

/// A product as the generator draws it: what the policy says about it, resolved once.
pub(crate) struct ProductChoice {
    pub(crate) code: String,
    plans: Vec<PlanChoice>,
    plan_weights: Vec<u32>,
    website: WebsiteNeed,
    pub(crate) icp_required: bool,
    platform: bool,
}

struct PlanChoice {
    id: String,
    price_yuan: Option<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum WebsiteNeed {
    /// The website checks apply: always has one.
    Required,
    /// An interface product the website checks leave out.
    Optional,
    /// A settlement product.
    Rare,
}

/// Makes demo applications; see the crate documentation.
pub struct Generator {
    seed: u64,
    now: DateTime<FixedOffset>,
    /// The start of today in China Standard Time, in Unix seconds.
    start_of_today: i64,
    /// Cumulative weights of submitting `i` days before today, i < WINDOW_DAYS.
    day_weights: Vec<u32>,
    hour_weights: Vec<u32>,
    city_weights: Vec<u32>,
    tld_weights: Vec<u32>,
    pub(crate) products: Vec<ProductChoice>,
    product_weights: Vec<u32>,
    allowed_goods: Vec<String>,
    restricted_goods: Vec<String>,
    prohibited_goods: Vec<String>,
}

impl Generator {
    /// Deterministic for (seed, now): the same inputs give the same applications.
    pub fn new(policy: &Policy, seed: u64, now: DateTime<FixedOffset>) -> Generator {
        let now = now.with_timezone(&china());
        let seconds_east = i64::from(china().local_minus_utc());
        let local_seconds = now.timestamp() + seconds_east;
        let start_of_today = local_seconds - local_seconds.rem_euclid(86_400) - seconds_east;

        // Recent days weigh more (the queue is worked down), business days more than days off.
        let today = now.date_naive();
        let day_weights = cumulative((0..WINDOW_DAYS).map(|days_ago| {
            let date = today - chrono::Duration::days(days_ago as i64);
            let kind = if policy.calendar.is_business_day(date) {
                BUSINESS_DAY_WEIGHT
            } else {
                DAY_OFF_WEIGHT
            };
            (WINDOW_DAYS - days_ago) as u32 * kind
        }));

        let rule_covers = |check: CheckId, code: &str| {
            policy
                .check_rule(check)
                .is_some_and(|rule| rule.products.contains(code))
        };
        let products: Vec<ProductChoice> = policy
            .products
            .iter()
            .map(|product| {
                let mut plans: Vec<PlanChoice> = product
                    .plans
                    .iter()
                    .map(|id| PlanChoice {
                        id: id.clone(),
                        price_yuan: policy.plan(id).and_then(|p| p.price_yuan),
                    })
                    .collect();
                if plans.is_empty() {
                    // A product without plans: its applications carry none.
                    plans.push(PlanChoice {
                        id: String::new(),
                        price_yuan: None,
                    });
                }
                let plan_weights = cumulative(plans.iter().map(|plan| match plan.price_yuan {
                    None => TIERED_PLAN_WEIGHT,
                    Some(_) => PACKAGE_PLAN_WEIGHT,
                }));
                let website = if rule_covers(CheckId::WebsiteBuilt, &product.code) {
                    WebsiteNeed::Required
                } else if product.kind == ProductKind::Interface {
                    WebsiteNeed::Optional
                } else {
                    WebsiteNeed::Rare
                };
                ProductChoice {
                    code: product.code.clone(),
                    plans,
                    plan_weights,
                    website,
                    icp_required: rule_covers(CheckId::IcpFiling, &product.code),
                    // Platform merchants run marketplaces: companies, as a rule.
                    platform: product.group == "platform",
                }
            })
            .collect();
        let product_weights = cumulative(policy.products.iter().map(|product| {
            GROUP_WEIGHTS
                .iter()
                .find(|(group, _)| *group == product.group)
                .map_or(1, |(_, weight)| *weight)
        }));

        let goods_with = |status: GoodsStatus| -> Vec<String> {
            policy
                .goods
                .iter()
                .filter(|g| g.status == status)
                .map(|g| g.id.clone())
                .collect()
        };

        Generator {
            seed,
            now,
            start_of_today,
            day_weights,
            hour_weights: cumulative(HOUR_WEIGHTS.iter().copied()),
            city_weights: cumulative(CITIES.iter().map(|c| c.weight)),
            tld_weights: cumulative(TLDS.iter().map(|(_, w)| *w)),
            products,
            product_weights,
            allowed_goods: goods_with(GoodsStatus::Allowed),
            restricted_goods: goods_with(GoodsStatus::Restricted),
            prohibited_goods: goods_with(GoodsStatus::Prohibited),
        }
    }

    /// The i-th application (0-based). It depends only on (seed, now, index), not on which
    /// applications were made before, so any index can be made on its own.
    pub fn application(&mut self, index: u64) -> Application {
        let mut rng = Rng::for_index(self.seed, index);
        let submitted_at = self.submission_time(&mut rng);
        let product = &self.products[rng.weighted(&self.product_weights)];
        let plan = &product.plans[rng.weighted(&product.plan_weights)];
        let city = &CITIES[rng.weighted(&self.city_weights)];
        let enterprise = rng.chance(if product.platform {
            PLATFORM_ENTERPRISE
        } else {
            ENTERPRISE
        });

        let mut id = String::with_capacity(24);
        let date = submitted_at.date_naive();
        let _ = write!(
            id,
            "SQ{:04}{:02}{:02}{index:07}",
            date.year(),
            date.month(),
            date.day()
        );

        // The merchant's identity; the domain is derived from it so that name, account and
        // website belong together.
        let owner = Person::draw(&mut rng);
        let mut domain = String::with_capacity(24);
        let (name, legal_representative, contact) = if enterprise {
            let brand = Brand::draw(&mut rng);
            let industry = rng.pick(INDUSTRIES);
            let mut name = String::with_capacity(48);
            name.push_str(city.name);
            brand.write_hanzi(&mut name);
            name.push_str(industry.0);
            name.push_str(if rng.chance(0.05) {
                "股份有限公司"
            } else {
                "有限公司"
            });
            brand.write_pinyin(&mut domain);
            if rng.chance(0.3) {
                domain.push_str(industry.1);
            } else if rng.chance(0.2) {
                domain.push_str(rng.pick_word(DOMAIN_SUFFIXES));
            }
            let contact = if rng.chance(CONTACT_IS_SOMEONE_ELSE) {
                Person::draw(&mut rng)
            } else {
                owner
            };
            (name, Some(owner.hanzi()), contact.hanzi())
        } else {
            if rng.chance(0.5) {
                owner.write_pinyin(&mut domain);
            } else {
                Brand::draw(&mut rng).write_pinyin(&mut domain);
            }
            domain.push_str(rng.pick_word(DOMAIN_SUFFIXES));
            (owner.hanzi(), None, owner.hanzi())
        };
        domain.push_str(TLDS[rng.weighted(&self.tld_weights)].0);

        let account = account(&mut rng, enterprise, owner, &domain);
        let applicant = Applicant {
            kind: if enterprise {
                ApplicantKind::Enterprise
            } else {
                ApplicantKind::Individual
            },
            name,
            account,
            verified: !rng.chance(UNVERIFIED),
            legal_representative,
            contact,
            security: security_products(&mut rng),
        };

        let website = match product.website {
            WebsiteNeed::Required => true,
            WebsiteNeed::Optional => rng.chance(OPTIONAL_WEBSITE),
            WebsiteNeed::Rare => rng.chance(SETTLEMENT_WEBSITE),
        }
        .then(|| website(&mut rng, product, city, enterprise, &domain));

        let (goods, qualified) = self.goods(&mut rng);
        let materials = materials(&mut rng, &applicant, city, qualified);
        let payment = payment(&mut rng, plan.price_yuan);

        Application {
            id,
            submitted_at,
            applicant,
            materials,
            product: product.code.clone(),
            plan: plan.id.clone(),
            payment,
            website,
            goods,
        }
    }

    /// Within the WINDOW_DAYS before now, recent days and office hours more often.
    fn submission_time(&self, rng: &mut Rng) -> DateTime<FixedOffset> {
        let days_ago = rng.weighted(&self.day_weights) as i64;
        let hour = rng.weighted(&self.hour_weights) as i64;
        let mut at = self.start_of_today - days_ago * 86_400 + hour * 3600 + rng.below(3600) as i64;
        if at > self.now.timestamp() {
            // Later today has not happened yet: the same hour yesterday instead.
            at -= 86_400;
        }
        DateTime::from_timestamp(at, 0)
            .expect("within a month of now")
            .with_timezone(&china())
    }

    /// One to three ordinary categories, sometimes a restricted or prohibited one too; and
    /// the restricted category the merchant has a qualification document for, if any.
    fn goods<'a>(&'a self, rng: &mut Rng) -> (Vec<String>, Option<&'a str>) {
        let mut goods = Vec::with_capacity(4);
        if !self.allowed_goods.is_empty() {
            let count = 1 + rng.below(3).min(self.allowed_goods.len() - 1);
            while goods.len() < count {
                let category = rng.pick(&self.allowed_goods);
                if !goods.contains(category) {
                    goods.push(category.clone());
                }
            }
        }
        let mut qualified = None;
        if !self.restricted_goods.is_empty() && rng.chance(RESTRICTED_GOODS) {
            let category = rng.pick(&self.restricted_goods);
            goods.push(category.clone());
            if rng.chance(RESTRICTED_QUALIFIED) {
                qualified = Some(category.as_str());
            }
        }
        if !self.prohibited_goods.is_empty() && rng.chance(PROHIBITED_GOODS) {
            goods.push(rng.pick(&self.prohibited_goods).clone());
        }
        (goods, qualified)
    }
}

/// Applications a generating thread makes at a time.
pub(crate) const CHUNK: u64 = 4096;

/// Writes `count` applications as NDJSON (one JSON object per line) to `out`. Every core
/// makes chunks of them (an application depends only on its index), written in order, so
/// the output is the same however many cores there are.
pub fn write_ndjson(
    policy: &Policy,
    seed: u64,
    now: DateTime<FixedOffset>,
    count: u64,
    out: &mut impl Write,
) -> io::Result<()> {
    let makers = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let chunks = count.div_ceil(CHUNK);
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    if makers < 2 || chunks < 2 {
        let mut generator = Generator::new(policy, seed, now);
        for chunk in 0..chunks {
            out.write_all(&chunk_ndjson(&mut generator, chunk, count))?;
        }
        return out.flush();
    }
    std::thread::scope(|scope| {
        // One channel a maker, each taking every `makers`-th chunk: reading them in turn
        // puts the chunks back in order.
        let receivers: Vec<_> = (0..makers)
            .map(|maker| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
                scope.spawn(move || {
                    let mut generator = Generator::new(policy, seed, now);
                    for chunk in (maker..chunks).step_by(makers as usize) {
                        // The writer stopped (a closed pipe): stop making.
                        if tx.send(chunk_ndjson(&mut generator, chunk, count)).is_err() {
                            return;
                        }
                    }
                });
                rx
            })
            .collect();
        for chunk in 0..chunks {
            let lines = receivers[(chunk % makers) as usize]
                .recv()
                .map_err(|_| io::Error::other("a generating thread stopped"))?;
            out.write_all(&lines)?;
        }
        out.flush()
    })
}

/// The `chunk`-th [`CHUNK`] of `count` applications, one JSON object a line.
fn chunk_ndjson(generator: &mut Generator, chunk: u64, count: u64) -> Vec<u8> {
    let start = chunk * CHUNK;
    let end = (start + CHUNK).min(count);
    let mut lines = Vec::with_capacity((end - start) as usize * 800);
    for index in start..end {
        serde_json::to_writer(&mut lines, &generator.application(index))
            .expect("applications serialise");
        lines.push(b'\n');
    }
    lines
}

fn cumulative(weights: impl Iterator<Item = u32>) -> Vec<u32> {
    weights
        .scan(0, |total, weight| {
            *total += weight;
            Some(*total)
        })
        .collect()
}
