//! Our check digits against python-stdnum, on thousands of numbers, not only the vectors.

use crate::common;
use common::*;
use guest::checkdigits::{kid_mod10, valid_account, valid_iban, valid_orgnr};
use std::io::Write;
use std::process::{Command, Stdio};

/// A deterministic spread of candidates (no rand dependency): an LCG over the digit space.
fn candidates(len: usize, n: usize) -> Vec<String> {
    let mut x: u64 = 0x2545F4914F6CDD1D;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            format!("{:0len$}", (x >> 11) % 10u64.pow(len as u32))
        })
        .collect()
}

#[test]
fn orgnr_account_iban_and_kid_agree_with_python_stdnum() {
    let Some(py) = python(&["stdnum"]) else {
        return;
    };
    let mut cases: Vec<(&str, String, bool)> = Vec::new();
    let orgnrs = candidates(9, 3000);
    // About one in eleven is valid by chance, so both answers are exercised.
    for o in &orgnrs {
        cases.push(("orgnr", o.clone(), valid_orgnr(o)));
    }
    for a in candidates(11, 3000) {
        cases.push(("kontonr", a.clone(), valid_account(&a)));
        let iban = format!("NO00{a}");
        let check = 98 - mod97(&format!("{a}232400"));
        let iban = format!("NO{check:02}{}", &iban[4..]);
        cases.push(("iban", iban.clone(), valid_iban(&iban)));
    }
    for base in candidates(12, 2000) {
        let kid = format!("{base}{}", kid_mod10(&base));
        cases.push(("luhn", kid, true));
    }
    assert!(
        cases.iter().filter(|c| c.0 == "orgnr" && c.2).count() > 100,
        "enough valid org numbers"
    );
    let script = "import sys\nfrom stdnum import luhn\nfrom stdnum.no import orgnr, kontonr, iban\nm = {'orgnr': orgnr, 'kontonr': kontonr, 'iban': iban, 'luhn': luhn}\nfor line in sys.stdin:\n    k, v = line.split()\n    print(int(m[k].is_valid(v)))\n";
    let mut child = Command::new(py)
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = cases.iter().map(|(k, v, _)| format!("{k} {v}\n")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let theirs: Vec<bool> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l == "1")
        .collect();
    assert_eq!(theirs.len(), cases.len());
    for ((kind, value, ours), theirs) in cases.iter().zip(theirs) {
        assert_eq!(
            *ours, theirs,
            "{kind} {value}: ours {ours}, python-stdnum {theirs}"
        );
    }
}

fn mod97(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |r, b| (r * 10 + (b - b'0') as u32) % 97)
}
