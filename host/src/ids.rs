//! The ids this host gives what it keeps (`doc-12`, `draft-3`, `series-7`, `pay-40`,
//! `notice-2`): made
//! here and read back here, nowhere else. The component takes them as opaque strings; a
//! host of another kind may make them any way it likes.

/// What an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// An issued document: an invoice or a credit note.
    Doc,
    Draft,
    Series,
    Payment,
    /// A reminder or an inkassovarsel (contract 0.5.1).
    Notice,
}

impl Id {
    fn prefix(self) -> &'static str {
        match self {
            Id::Doc => "doc",
            Id::Draft => "draft",
            Id::Series => "series",
            Id::Payment => "pay",
            Id::Notice => "notice",
        }
    }

    /// The id of row `n`.
    pub fn of(self, n: i64) -> String {
        format!("{}-{n}", self.prefix())
    }

    /// The row an id of this kind names; none for another kind's id or none at all.
    pub fn row(self, id: &str) -> Option<i64> {
        id.strip_prefix(self.prefix())?
            .strip_prefix('-')?
            .parse()
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Id;

    #[test]
    fn an_id_is_read_back_as_its_row_and_only_as_its_kind() {
        for (kind, n) in [
            (Id::Doc, 12),
            (Id::Draft, 3),
            (Id::Series, 7),
            (Id::Payment, 40),
        ] {
            assert_eq!(kind.row(&kind.of(n)), Some(n));
        }
        assert_eq!(Id::Doc.of(5), "doc-5");
        assert_eq!(Id::Doc.row("draft-5"), None);
        assert_eq!(Id::Draft.row("draft-"), None);
        assert_eq!(Id::Draft.row("drafts-5"), None);
        assert_eq!(Id::Payment.row("pay-x"), None);
    }
}
