//! Who applies: people's names, brands (字号), payment accounts and security products.

use std::fmt::Write as _;

use shenhe_domain::application::SecurityProduct;

use crate::rng::Rng;
use crate::shares::NO_SECURITY_PRODUCT;
use crate::vocabulary::{
    BRAND_CHARS, COMPANY_MAILBOXES, GIVEN_NAME_CHARS, MAIL_PROVIDERS, MOBILE_PREFIXES, SURNAMES,
};

/// A person's name as indexes into the tables, so it costs nothing until written out.
#[derive(Clone, Copy)]
pub(crate) struct Person {
    surname: usize,
    given: [usize; 2],
    given_len: usize,
}

impl Person {
    pub(crate) fn draw(rng: &mut Rng) -> Person {
        // The minimum of two draws favours the common surnames at the front of the table.
        let surname = rng.below(SURNAMES.len()).min(rng.below(SURNAMES.len()));
        let given_len = if rng.chance(0.35) { 1 } else { 2 };
        Person {
            surname,
            given: [
                rng.below(GIVEN_NAME_CHARS.len()),
                rng.below(GIVEN_NAME_CHARS.len()),
            ],
            given_len,
        }
    }

    pub(crate) fn hanzi(self) -> String {
        let mut name = String::with_capacity(12);
        name.push_str(SURNAMES[self.surname].0);
        for &given in &self.given[..self.given_len] {
            name.push_str(GIVEN_NAME_CHARS[given].0);
        }
        name
    }

    pub(crate) fn write_pinyin(self, out: &mut String) {
        out.push_str(SURNAMES[self.surname].1);
        for &given in &self.given[..self.given_len] {
            out.push_str(GIVEN_NAME_CHARS[given].1);
        }
    }
}

/// A brand (字号) of two or three characters, none repeated.
pub(crate) struct Brand {
    chars: [usize; 3],
    len: usize,
}

impl Brand {
    pub(crate) fn draw(rng: &mut Rng) -> Brand {
        let len = if rng.chance(0.75) { 2 } else { 3 };
        let mut chars = [0; 3];
        for i in 0..len {
            // A later character steps past any that is already taken, so none repeats.
            let mut next = rng.below(BRAND_CHARS.len());
            while chars[..i].contains(&next) {
                next = (next + 1) % BRAND_CHARS.len();
            }
            chars[i] = next;
        }
        Brand { chars, len }
    }

    pub(crate) fn write_hanzi(&self, out: &mut String) {
        for &c in &self.chars[..self.len] {
            out.push_str(BRAND_CHARS[c].0);
        }
    }

    pub(crate) fn write_pinyin(&self, out: &mut String) {
        for &c in &self.chars[..self.len] {
            out.push_str(BRAND_CHARS[c].1);
        }
    }
}

/// A payment account: a mobile number, a personal mailbox, or (companies) a role mailbox.
pub(crate) fn account(rng: &mut Rng, enterprise: bool, owner: Person, domain: &str) -> String {
    let mut account = String::with_capacity(32);
    let roll = rng.below(100);
    if roll < 40 {
        account.push_str(rng.pick_word(MOBILE_PREFIXES));
        rng.push_digits(&mut account, 8);
    } else if enterprise && roll < 75 {
        account.push_str(rng.pick_word(COMPANY_MAILBOXES));
        account.push('@');
        account.push_str(domain);
    } else if roll < 88 {
        owner.write_pinyin(&mut account);
        if rng.chance(0.6) {
            let _ = write!(account, "{}", rng.below(100));
        }
        account.push('@');
        account.push_str(rng.pick_word(MAIL_PROVIDERS));
    } else {
        // A QQ number: 6 to 10 digits, never starting with 0.
        let _ = write!(account, "{}", 1 + rng.below(9));
        let len = 5 + rng.below(5);
        rng.push_digits(&mut account, len);
        account.push_str("@qq.com");
    }
    account
}

pub(crate) fn security_products(rng: &mut Rng) -> Vec<SecurityProduct> {
    if rng.chance(NO_SECURITY_PRODUCT) {
        return Vec::new();
    }
    const ALL: [SecurityProduct; 3] = [
        SecurityProduct::DigitalCertificate,
        SecurityProduct::PaymentShield,
        SecurityProduct::Token,
    ];
    // Certificates are the most common, then the shield, then the token; some use two.
    let first = match rng.below(10) {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    };
    let mut products = vec![ALL[first]];
    if rng.chance(0.2) {
        products.push(ALL[(first + 1 + rng.below(2)) % 3]);
    }
    products
}
