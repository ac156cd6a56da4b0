//! The documents an application carries: business licence (with a valid unified social
//! credit code), ID card, authorisation letter, bank account and qualifications.

use std::fmt::Write as _;

use shenhe_domain::application::{Applicant, ApplicantKind, Material, MaterialKind};

use crate::rng::Rng;
use crate::shares::{ID_BACK_MISSING, LETTER_FORGOTTEN};
use crate::vocabulary::{BANKS, CITIES, CREDIT_CODE_CHARS, City, QUALIFICATION_DOCUMENTS};

/// The documents real-name verification asks for, with references of the right shape; some
/// applicants forget the ID back or the authorisation letter.
pub(crate) fn materials(
    rng: &mut Rng,
    applicant: &Applicant,
    city: &City,
    qualified: Option<&str>,
) -> Vec<Material> {
    let mut materials = Vec::with_capacity(6);
    let mut add = |kind: MaterialKind, reference: String| {
        materials.push(Material {
            kind,
            reference,
            category: None,
        })
    };
    let enterprise = applicant.kind == ApplicantKind::Enterprise;
    if enterprise {
        let district = rng.pick(city.districts);
        add(MaterialKind::BusinessLicence, credit_code(rng, district));
    }
    // The ID is the contact's: born anywhere, so any city's district.
    let birthplace = rng.pick(CITIES);
    let district = rng.pick(birthplace.districts);
    add(MaterialKind::IdCardFront, masked_id_number(rng, district));
    if !rng.chance(ID_BACK_MISSING) {
        add(MaterialKind::IdCardBack, id_card_back(rng, birthplace));
    }
    if applicant.needs_authorisation_letter() && !rng.chance(LETTER_FORGOTTEN) {
        add(
            MaterialKind::AuthorisationLetter,
            format!("企业委托授权书_{}.pdf", applicant.contact),
        );
    }
    add(
        MaterialKind::BankAccount,
        bank_account(rng, enterprise.then_some(city)),
    );

    if let Some(category) = qualified {
        let document = QUALIFICATION_DOCUMENTS
            .iter()
            .find(|(id, _)| *id == category)
            .map_or("资质证明", |(_, name)| *name);
        let mut reference = String::with_capacity(48);
        let _ = write!(reference, "{document} {}", city.province);
        rng.push_digits(&mut reference, 10);
        materials.push(Material {
            kind: MaterialKind::Qualification,
            reference,
            category: Some(category.to_string()),
        });
    }
    materials
}

/// An 18-character unified social credit code (统一社会信用代码) of an enterprise
/// registered with the market regulator, with both check characters computed.
pub(crate) fn credit_code(rng: &mut Rng, district: &str) -> String {
    // Organisation code (GB 11714): eight characters and a check character. Companies
    // registered since 2015 have codes starting "MA".
    let mut organisation = [0u8; 9];
    let new_style = rng.chance(0.7);
    if new_style {
        organisation[..2].copy_from_slice(b"MA");
        for c in &mut organisation[2..8] {
            *c = *rng.pick(CREDIT_CODE_CHARS);
        }
    } else {
        for c in &mut organisation[..8] {
            *c = b'0' + rng.below(10) as u8;
        }
    }
    let value = |c: u8| {
        if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        }
    };
    let sum: u32 = organisation[..8]
        .iter()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(&c, w)| value(c) * w)
        .sum();
    organisation[8] = match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        digit => b'0' + digit as u8,
    };

    // The whole code (GB 32100): "9" market regulator, "1" enterprise, district, organisation code.
    let mut code = String::with_capacity(18);
    code.push_str("91");
    code.push_str(district);
    code.extend(organisation.iter().map(|&c| char::from(c)));
    let position = |c: u8| {
        CREDIT_CODE_CHARS
            .iter()
            .position(|&x| x == c)
            .expect("code characters") as u32
    };
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = code
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| position(c) * w)
        .sum();
    code.push(char::from(
        CREDIT_CODE_CHARS[((31 - sum % 31) % 31) as usize],
    ));
    code
}

/// An ID number as documents show it: district, masked birth date, last four.
fn masked_id_number(rng: &mut Rng, district: &str) -> String {
    let mut number = String::with_capacity(18);
    number.push_str(district);
    number.push_str("********");
    rng.push_digits(&mut number, 3);
    // The check character is X one time in eleven.
    number.push(if rng.below(11) == 10 {
        'X'
    } else {
        char::from(b'0' + rng.below(10) as u8)
    });
    number
}

/// The back of an ID card: the issuing police bureau and the validity period, which runs
/// ten or twenty years from the issue date, or is long-term (长期) for older people.
fn id_card_back(rng: &mut Rng, birthplace: &City) -> String {
    let year = 2010 + rng.below(15);
    // Days 1-28 exist in every month.
    let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
    let mut text = String::with_capacity(48);
    let _ = write!(
        text,
        "{}市公安局 {year}.{month:02}.{day:02}-",
        birthplace.name
    );
    if rng.chance(0.1) {
        text.push_str("长期");
    } else {
        let years = if rng.chance(0.2) { 10 } else { 20 };
        let _ = write!(text, "{}.{month:02}.{day:02}", year + years);
    }
    text
}

/// A bank account, masked: a personal card, or a corporate account at a city branch.
fn bank_account(rng: &mut Rng, corporate_city: Option<&City>) -> String {
    let (bank, card_prefix) = rng.pick(BANKS);
    let mut text = String::with_capacity(48);
    text.push_str(bank);
    match corporate_city {
        Some(city) => {
            let _ = write!(text, "{}分行 ", city.name);
            rng.push_digits(&mut text, 4);
        }
        None => {
            text.push(' ');
            text.push_str(card_prefix);
        }
    }
    text.push_str("****");
    rng.push_digits(&mut text, 4);
    text
}
