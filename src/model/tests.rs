use super::*;

#[test]
fn unknown_keys_are_blanked_and_the_rest_is_read() {
    let text = "version: 1\ndefaults:\n  hmoe: /x\n  env:\n    A: b\ngateways:\n  a:\n    prot: 1\n    bogus:\n      deep: 1\n      deeper: [1, 2]\n    port: 20000\n  b: {port: 30000, nope: [1, {x: 2}], home: /h}\n";
    let (doc, problems) = load_lenient(text);
    let doc = doc.expect("read after blanking");
    let keys: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems.len(), 4, "{keys:?}");
    assert!(problems.iter().all(|p| p.kind == Kind::UnknownKey));
    assert_eq!(
        doc.defaults
            .env
            .as_ref()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .value,
        "b"
    );
    let b = doc
        .gateways
        .values()
        .nth(1)
        .unwrap()
        .value
        .as_ref()
        .unwrap();
    assert_eq!(b.home.as_ref().unwrap().value, "/h");
    // Places still point into the text as written.
    assert_eq!(problems[0].primary().unwrap().line, 3);
}

#[test]
fn every_per_gateway_key_is_found_where_it_is_written() {
    let mut body = String::from("version: 1\ndefaults:\n");
    for k in PER_GATEWAY_KEYS {
        let v = if *k == "port" { "20000" } else { "/x" };
        body.push_str(&format!("  {k}: {v}\n"));
    }
    body.push_str("gateways:\n  a: {}\n");
    let (doc, _) = load_lenient(&body);
    let found = doc.unwrap().defaults.per_gateway_keys();
    let keys: Vec<&str> = found.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, PER_GATEWAY_KEYS);
    for (i, (_, span)) in found.iter().enumerate() {
        assert_eq!(span.line as usize, i + 3);
    }
}

#[test]
fn a_block_list_at_the_keys_indent_goes_with_it() {
    let text = "version: 1\ngateways:\n  a:\n    nope:\n    - 1\n    - 2\n    port: 20000\n";
    let (doc, problems) = load_lenient(text);
    assert_eq!(problems.len(), 1);
    assert!(doc.is_some());
}
