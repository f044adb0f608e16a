//! The parser as tables: what each user text becomes in FTS5, and which texts are refused and why.

use countersign_testkit::fixtures::kind_with_identifiers as kind;

use super::*;

fn fts(text: &str) -> (Option<String>, Option<String>, Vec<(String, String)>) {
    let query = SearchQuery::parse(text).expect(text);
    let filters = query
        .filters
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    (query.fts_match(), query.fts_excluded(), filters)
}

/// User text, the FTS5 every result must match, the FTS5 none may match, and the field filters.
type Row<'a> = (
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    &'a [(&'a str, &'a str)],
);

#[test]
fn user_text_becomes_quoted_fts5() {
    let table: &[Row<'_>] = &[
        ("acme", Some(r#"("acme")"#), None, &[]),
        (
            "  acme   refund ",
            Some(r#"("acme") AND ("refund")"#),
            None,
            &[],
        ),
        (
            r#""card declined""#,
            Some(r#"("card declined")"#),
            None,
            &[],
        ),
        ("refund*", Some(r#"("refund" *)"#), None, &[]),
        (r#""card decl"*"#, Some(r#"("card decl" *)"#), None, &[]),
        ("acme OR globex", Some(r#"("acme" OR "globex")"#), None, &[]),
        ("a OR b c", Some(r#"("a" OR "b") AND ("c")"#), None, &[]),
        (
            "acme -refund",
            Some(r#"(("acme")) NOT ("refund")"#),
            Some(r#""refund""#),
            &[],
        ),
        ("-refund", None, Some(r#""refund""#), &[]),
        // FTS5 keywords and syntax characters are only ever words.
        (
            "AND NOT NEAR",
            Some(r#"("AND") AND ("NOT") AND ("NEAR")"#),
            None,
            &[],
        ),
        ("or", Some(r#"("or")"#), None, &[]),
        ("a^b (c)", Some(r#"("a^b") AND ("(c)")"#), None, &[]),
        ("e-mail", Some(r#"("e-mail")"#), None, &[]),
        ("merchant:acme", None, None, &[("merchant", "acme")]),
        (
            r#"Merchant:"Acme Corp" late"#,
            Some(r#"("late")"#),
            None,
            &[("merchant", "Acme Corp")],
        ),
        (
            r#""merchant:acme""#,
            Some(r#"("merchant:acme")"#),
            None,
            &[],
        ),
    ];
    for (text, matched, excluded, filters) in table {
        let filters: Vec<(String, String)> = filters
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(
            fts(text),
            (
                matched.map(str::to_owned),
                excluded.map(str::to_owned),
                filters
            ),
            "{text}"
        );
    }
}

#[test]
fn malformed_text_is_a_typed_error() {
    let table: &[(&str, QueryError)] = &[
        ("", QueryError::Empty),
        ("   ", QueryError::Empty),
        (r#""card declined"#, QueryError::UnbalancedQuote),
        (r#"acme""#, QueryError::UnbalancedQuote),
        (r#""a"b"#, QueryError::MisplacedWildcard(r#""a"b"#.into())),
        (r#"ac"me"#, QueryError::UnbalancedQuote),
        ("OR acme", QueryError::DanglingOr),
        ("acme OR", QueryError::DanglingOr),
        ("acme OR OR globex", QueryError::DanglingOr),
        ("-", QueryError::EmptyExclusion),
        ("acme - refund", QueryError::EmptyExclusion),
        ("acme OR -refund", QueryError::ExclusionInOr),
        ("-refund OR acme", QueryError::ExclusionInOr),
        (
            "merchant:acme OR globex",
            QueryError::FilterInOr("merchant".into()),
        ),
        (
            "globex OR merchant:acme",
            QueryError::FilterInOr("merchant".into()),
        ),
        ("*", QueryError::MisplacedWildcard("*".into())),
        ("*acme", QueryError::MisplacedWildcard("*acme".into())),
        ("ac*me", QueryError::MisplacedWildcard("ac*me".into())),
        ("!!!", QueryError::NoWords("!!!".into())),
        (r#""""#, QueryError::NoWords(String::new())),
        ("merchant:", QueryError::EmptyFilterValue("merchant".into())),
        (
            r#"merchant:"  ""#,
            QueryError::EmptyFilterValue("merchant".into()),
        ),
        (r#"merchant:"acme"#, QueryError::UnbalancedQuote),
    ];
    for (text, error) in table {
        assert_eq!(SearchQuery::parse(text).as_ref(), Err(error), "{text}");
    }
}

#[test]
fn filters_resolve_through_the_kinds_identifiers() {
    let kinds = [
        kind(
            "transaction",
            &[("/payload/merchant/name", "merchant"), ("/title", "Title")],
        ),
        kind("refund", &[("/payload/shop~1id", "merchant")]),
        kind("odd", &[("/payload/a\"b", "odd"), ("payload", "bad")]),
    ];
    let fields = IdentifierFields::from_kinds(&kinds);
    assert_eq!(
        fields.paths("merchant"),
        Ok(vec![
            FieldPath {
                kind: "transaction".into(),
                path: r#"$."payload"."merchant"."name""#.into(),
                indexed: true,
            },
            FieldPath {
                kind: "refund".into(),
                path: r#"$."payload"."shop/id""#.into(),
                indexed: true,
            },
        ])
    );
    assert_eq!(
        fields.paths("title"),
        Ok(vec![FieldPath {
            kind: "transaction".into(),
            path: r#"$."title""#.into(),
            indexed: false,
        }])
    );
    assert_eq!(
        fields.paths("card"),
        Err(QueryError::UnknownFilter {
            name: "card".into(),
            known: "bad, merchant, odd, title".into(),
        })
    );
    assert!(matches!(
        fields.paths("odd"),
        Err(QueryError::UnusablePointer { .. })
    ));
    assert!(matches!(
        fields.paths("bad"),
        Err(QueryError::UnusablePointer { .. })
    ));
}

#[test]
fn marked_text_splits_into_segments() {
    let seg = |text: &str, matched| TextSegment {
        text: text.into(),
        matched,
    };
    assert_eq!(
        segments("card \u{1}declined\u{2} at \u{1}acme\u{2}"),
        vec![
            seg("card ", false),
            seg("declined", true),
            seg(" at ", false),
            seg("acme", true)
        ]
    );
    assert_eq!(segments("\u{1}all\u{2}"), vec![seg("all", true)]);
    assert_eq!(segments(""), vec![]);
}
