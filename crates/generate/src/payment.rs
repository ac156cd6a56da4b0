//! What the merchant paid for the plan: prepaid packages usually in full, sometimes unpaid
//! or short; tiered plans usually nothing.

use shenhe_domain::application::{Payment, PaymentMethod};

use crate::rng::Rng;
use crate::shares::{
    PACKAGE_UNDERPAID, PACKAGE_UNPAID, PACKAGE_WITHOUT_PAYMENT, TIERED_WITH_PAYMENT,
};

/// Packages are paid with the application, usually in full; tiered plans pay nothing.
pub(crate) fn payment(rng: &mut Rng, price_yuan: Option<u32>) -> Option<Payment> {
    let Some(price) = price_yuan else {
        return rng.chance(TIERED_WITH_PAYMENT).then_some(Payment {
            method: PaymentMethod::OnlineBanking,
            paid: true,
            amount_yuan: 600,
        });
    };
    if rng.chance(PACKAGE_WITHOUT_PAYMENT) {
        return None;
    }
    if rng.chance(PACKAGE_UNPAID) {
        // Offline payments are the ones that have not arrived yet.
        let method = if rng.chance(0.7) {
            PaymentMethod::BankTransfer
        } else {
            PaymentMethod::PostalRemittance
        };
        return Some(Payment {
            method,
            paid: false,
            amount_yuan: price,
        });
    }
    let method = match rng.below(10) {
        0..=4 => PaymentMethod::OnlineBanking,
        5..=7 => PaymentMethod::AlipayCard,
        8 => PaymentMethod::BankTransfer,
        _ => PaymentMethod::PostalRemittance,
    };
    let amount_yuan = if rng.chance(PACKAGE_UNDERPAID) {
        // A smaller package's price, or a transfer fee taken off the amount.
        if price > 600 && rng.chance(0.5) {
            600
        } else {
            price - 20
        }
    } else {
        price
    };
    Some(Payment {
        method,
        paid: true,
        amount_yuan,
    })
}
