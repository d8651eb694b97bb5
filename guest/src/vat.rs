//! VAT codes and their mapping to EHF categories, SAF-T codes and NS 4102 accounts (norway.md §4).
//! "fritatt" (zero-rated) is EHF category Z and "unntatt" (exempt) is E: kept explicit here.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What an invoice with reverse-charge lines must print (norway.md §4).
pub const REVERSE_CHARGE_TEXT: &str = "Omvendt avgiftsplikt - Merverdiavgift ikke beregnet";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum VatCode {
    /// 25 %, general rate.
    High,
    /// 15 %, food.
    Medium,
    /// 12 %, transport, hotels, cinema.
    Low,
    /// 0 %, fritatt (mval. ch. 6).
    ZeroRated,
    /// unntatt (mval. §§ 3-2..3-20).
    Exempt,
    /// Domestic reverse charge (omvendt avgiftsplikt, mval. § 11-1 (2)-(3)): the buyer accounts
    /// for the VAT; only to a business buyer.
    ReverseCharge,
    /// Outside the VAT scope: a seller that is not VAT-registered.
    Outside,
}

impl VatCode {
    pub const ALL: [VatCode; 7] = [
        Self::High,
        Self::Medium,
        Self::Low,
        Self::ZeroRated,
        Self::Exempt,
        Self::ReverseCharge,
        Self::Outside,
    ];

    /// The code as the contract spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "25",
            Self::Medium => "15",
            Self::Low => "12",
            Self::ZeroRated => "zero",
            Self::Exempt => "exempt",
            Self::ReverseCharge => "reverse",
            Self::Outside => "outside",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// Percent.
    pub fn rate(self) -> Decimal {
        match self {
            Self::High => Decimal::from(25),
            Self::Medium => Decimal::from(15),
            Self::Low => Decimal::from(12),
            _ => Decimal::ZERO,
        }
    }

    /// EHF / EN 16931 tax category (UNCL5305).
    pub fn category(self) -> &'static str {
        match self {
            Self::High | Self::Medium | Self::Low => "S",
            Self::ZeroRated => "Z",
            Self::Exempt => "E",
            Self::ReverseCharge => "AE",
            Self::Outside => "O",
        }
    }

    /// SAF-T standard VAT code for outgoing sales.
    pub fn saft(self) -> Option<&'static str> {
        match self {
            Self::High => Some("3"),
            Self::Medium => Some("31"),
            Self::Low => Some("33"),
            Self::ZeroRated => Some("5"),
            Self::Exempt => Some("6"),
            Self::ReverseCharge => Some("51"),
            Self::Outside => None,
        }
    }

    pub fn revenue_account(self) -> u32 {
        match self {
            Self::High => 3000,
            Self::Medium => 3030,
            Self::Low => 3050,
            Self::ZeroRated => 3100,
            Self::ReverseCharge => 3005,
            Self::Exempt | Self::Outside => 3200,
        }
    }

    pub fn vat_account(self) -> Option<u32> {
        match self {
            Self::High => Some(2700),
            Self::Medium => Some(2701),
            Self::Low => Some(2703),
            _ => None,
        }
    }

    /// The reason EHF requires for categories E, AE and O (BR-E-10, BR-AE-10, BR-O-10).
    /// Norway's exemptions are not the EU directive's articles, so E carries only a text.
    pub fn exemption_reason(self) -> Option<(Option<&'static str>, &'static str)> {
        match self {
            Self::Exempt => Some((None, "Unntatt merverdiavgift, mval. kapittel 3")),
            Self::ReverseCharge => Some((Some("VATEX-EU-AE"), REVERSE_CHARGE_TEXT)),
            Self::Outside => Some((
                Some("VATEX-EU-O"),
                "Selger er ikke registrert i Merverdiavgiftsregisteret",
            )),
            _ => None,
        }
    }
}
