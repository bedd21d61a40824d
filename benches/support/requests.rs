//! Deterministic, varied batch request lines of about 550 bytes, shared by the
//! `batch_throughput` benchmark and `examples/gen_requests.rs` (which writes
//! them to a file for the command-line measurements).
#![allow(
    clippy::arithmetic_side_effects,
    dead_code,
    reason = "the generator's arithmetic is on small numbers; not every user needs every kind of line"
)]

/// A small LCG from `seed`: `next(m)` is the next number below `m`, the same
/// seed always giving the same sequence (and so the same line).
fn lcg(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |m| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % m
    }
}

/// `cents` in major units with two decimals, as Plaid writes dollars.
fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The `i`-th request line (no trailing newline). Accounts vary in status,
/// balance age, available/current presence, refresh state, currency case and
/// amounts, so that every row family of the decision table is exercised. One
/// line in ten carries the account inside a `refreshed_balance` event (the
/// webhook Stripe recommends), and one in eight has a map holding a null.
pub fn request_line(i: u64) -> String {
    let mut next = lcg(i
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407));
    let status = match next(20) {
        0 => "inactive",
        1 => "disconnected",
        _ => "active",
    };
    let as_of = 1_651_516_592 - next(120_000) as i64;
    let available = next(2_000_000) as i64 - 50_000;
    let current = available + next(100_000) as i64;
    let available = if next(10) == 0 {
        "null".to_owned()
    } else {
        format!("{{\"usd\":{available}}}")
    };
    let balance = if next(15) == 0 {
        "null".to_owned()
    } else {
        format!(
            "{{\"as_of\":{as_of},\"cash\":{{\"available\":{available}}},\"credit\":null,\"current\":{{\"usd\":{current}}},\"type\":\"cash\"}}"
        )
    };
    let refresh = match next(6) {
        0 => "{\"last_attempted_at\":1651516582,\"next_refresh_available_at\":null,\"status\":\"pending\"}".to_owned(),
        1 => format!(
            "{{\"last_attempted_at\":1651516582,\"next_refresh_available_at\":{},\"status\":\"failed\"}}",
            1_651_516_000 + next(1_200)
        ),
        _ => "{\"last_attempted_at\":1651516582,\"next_refresh_available_at\":1651520182,\"status\":\"succeeded\"}".to_owned(),
    };
    let currency = if next(4) == 0 { "USD" } else { "usd" };
    let amount = 100 + next(500_000);
    let in_flight = if next(3) == 0 { next(20_000) } else { 0 };
    // Drawn last, so that the fields above are what they always were.
    let balance = if next(8) == 0 {
        balance.replacen("\"current\":{", "\"current\":{\"eur\":null,", 1)
    } else {
        balance
    };
    let account = format!(
        "{{\"id\":\"fca_{i:014}\",\"object\":\"financial_connections.account\",\
\"balance\":{balance},\
\"balance_refresh\":{refresh},\"category\":\"cash\",\
\"institution_name\":\"StripeBank\",\"last4\":\"{:04}\",\"livemode\":true,\"permissions\":[\"balances\",\"payment_method\"],\
\"status\":\"{status}\",\"subcategory\":\"checking\"}}",
        i % 10_000
    );
    let account = if next(10) == 0 {
        format!(
            "{{\"id\":\"evt_{i:014}\",\"object\":\"event\",\"api_version\":\"2026-07-29\",\
\"created\":1651516595,\"data\":{{\"object\":{account}}},\"livemode\":true,\"pending_webhooks\":1,\
\"request\":{{\"id\":null,\"idempotency_key\":null}},\
\"type\":\"financial_connections.account.refreshed_balance\"}}"
        )
    } else {
        account
    };
    format!(
        "{{\"id\":\"pi_{i:010}\",\"account\":{account},\
\"amount\":{amount},\"currency\":\"{currency}\",\"in_flight\":{in_flight}}}"
    )
}

/// The `i`-th request line over a Plaid `/accounts/balance/get` response
/// (no trailing newline): one to three accounts (checking, savings, a credit
/// card), the line selecting one by `account_id` and dating it with
/// `fetched_at`; amounts in major units with cents, one in ten `available`
/// null. About 1,100 bytes.
pub fn plaid_request_line(i: u64) -> String {
    let mut next = lcg(i.wrapping_mul(2862933555777941757).wrapping_add(3037000493));
    let accounts = 1 + next(3);
    let mut docs = Vec::new();
    for n in 0..accounts {
        let (kind, subtype, name) = match n {
            0 => ("depository", "checking", "Plaid Checking"),
            1 => ("depository", "savings", "Plaid Saving"),
            _ => ("credit", "credit card", "Plaid Credit Card"),
        };
        let available = if next(10) == 0 {
            "null".to_owned()
        } else {
            money(next(2_000_000))
        };
        let current = money(next(2_100_000));
        docs.push(format!(
            "{{\"account_id\":\"acc{i:012}x{n}vMLjrxTnLjX4G66XUp5GLklm4oiZy\",\
\"balances\":{{\"available\":{available},\"current\":{current},\"iso_currency_code\":\"USD\",\
\"limit\":null,\"unofficial_currency_code\":null}},\"mask\":\"{:04}\",\"name\":\"{name}\",\
\"official_name\":null,\"subtype\":\"{subtype}\",\"type\":\"{kind}\"}}",
            (i + n) % 10_000
        ));
    }
    let pick = next(accounts);
    let fetched_at = 1_651_516_592 - next(120_000) as i64;
    let amount = 100 + next(500_000);
    format!(
        "{{\"id\":\"pi_{i:010}\",\"account\":{{\"accounts\":[{}],\
\"item\":{{\"available_products\":[\"balance\"],\"billed_products\":[\"auth\",\"transactions\"],\
\"consent_expiration_time\":null,\"error\":null,\"institution_id\":\"ins_109508\",\
\"item_id\":\"item{i:012}\",\"update_type\":\"background\",\"webhook\":null}},\
\"request_id\":\"req{i:010}\"}},\"account_id\":\"acc{i:012}x{pick}vMLjrxTnLjX4G66XUp5GLklm4oiZy\",\
\"fetched_at\":{fetched_at},\"amount\":{amount},\"currency\":\"usd\"}}",
        docs.join(",")
    )
}

/// A batch request line over a Plaid Signal `/signal/evaluate` response
/// (line `i`, deterministic): half Balance-only rulesets (`scores` null or
/// absent, two attributes), half Signal Transaction Scores rulesets with
/// scores and two dozen more attributes; `ACCEPT` mostly, some `REVIEW`,
/// `REROUTE` and no ruleset; a closed account now and then; the balance
/// dated by `balance_last_updated` or by `fetched_at`.
pub fn signal_request_line(i: u64) -> String {
    let mut next = lcg(i.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(7));
    let available = if next(10) == 0 {
        "null".to_owned()
    } else {
        money(next(2_000_000))
    };
    let current = money(next(2_100_000));
    let updated = if next(2) == 0 {
        "null".to_owned()
    } else {
        let t = 1_651_516_592 - next(100_000) as i64;
        let (h, m, s) = (t % 86_400 / 3_600, t % 3_600 / 60, t % 60);
        format!(
            "\"2022-05-0{}T{h:02}:{m:02}:{s:02}Z\"",
            1 + (t - 1_651_363_200) / 86_400
        )
    };
    let closed = if next(50) == 0 { "true" } else { "false" };
    let result = match next(20) {
        0..=13 => "{\"ruleset_key\":\"default\",\"result\":\"ACCEPT\",\"triggered_rule_details\":null}".to_owned(),
        14 | 15 => "{\"ruleset_key\":\"default\",\"result\":\"REVIEW\",\"triggered_rule_details\":{\"internal_note\":\"Balance close to the amount\"}}".to_owned(),
        16 | 17 => "{\"ruleset_key\":\"onboarding_flow\",\"result\":\"REROUTE\",\"triggered_rule_details\":{\"internal_note\":\"Rerouting customer to different payment method, since bank risk score is too high\"}}".to_owned(),
        _ => "null".to_owned(),
    };
    let account = if next(2) == 0 {
        // Balance-only.
        let scores = if next(2) == 0 { "\"scores\":null," } else { "" };
        format!(
            "{{{scores}\"core_attributes\":{{\"available_balance\":{available},\"current_balance\":{current},\
\"balance_last_updated\":{updated}}},\"ruleset\":{result},\"warnings\":[],\"request_id\":\"req{i:010}\"}}"
        )
    } else {
        let attrs: Vec<String> = (0..24)
            .map(|k| format!("\"attribute_{k}_count_30d\":{}", next(40)))
            .collect();
        format!(
            "{{\"scores\":{{\"customer_initiated_return_risk\":{{\"score\":{}}},\"bank_initiated_return_risk\":{{\"score\":{}}}}},\
\"core_attributes\":{{{},\"available_balance\":{available},\"current_balance\":{current},\
\"balance_last_updated\":{updated},\"is_account_closed\":{closed}}},\"ruleset\":{result},\
\"warnings\":[],\"request_id\":\"req{i:010}\"}}",
            1 + next(99),
            1 + next(99),
            attrs.join(",")
        )
    };
    let fetched_at = 1_651_516_592 - next(120_000) as i64;
    let amount = 100 + next(500_000);
    format!(
        "{{\"id\":\"pi_{i:010}\",\"account\":{account},\"account_id\":\"acc{:012}\",\
\"fetched_at\":{fetched_at},\"amount\":{amount},\"currency\":\"usd\"}}",
        i % 50_000
    )
}

/// [`request_line`] with non-ASCII text where an institution's name is
/// (`Banco Popular de Puerto Rico – Oficina` and an `ó`: an en dash, three
/// bytes; an ó, two), in a field the gate ignores.
pub fn non_ascii_request_line(i: u64) -> String {
    request_line(i).replacen(
        "\"institution_name\":\"StripeBank\"",
        "\"institution_name\":\"Banco Popular de Puerto Rico – Oficina\",\"nickname\":\"ó\"",
        1,
    )
}

/// [`request_line`] with the same text in ASCII (`-` and `o` for the en dash
/// and the ó): the yardstick of [`non_ascii_request_line`].
pub fn ascii_twin_request_line(i: u64) -> String {
    request_line(i).replacen(
        "\"institution_name\":\"StripeBank\"",
        "\"institution_name\":\"Banco Popular de Puerto Rico - Oficina\",\"nickname\":\"o\"",
        1,
    )
}

/// [`request_line`], refused: odd lines have a balance's `as_of` as a
/// string (a type error, two bytes longer), even lines lose their last 40
/// bytes (a syntax error). The answer is an error line either way.
pub fn refused_request_line(i: u64) -> String {
    let line = request_line(i);
    const AS_OF: &str = "\"as_of\":";
    let number = line.find(AS_OF).and_then(|at| {
        let start = at + AS_OF.len();
        let end = start + line.get(start..)?.find(',')?;
        Some((line.get(..start)?, line.get(start..end)?, line.get(end..)?))
    });
    match number {
        Some((before, digits, after)) if i % 2 == 1 => format!("{before}\"{digits}\"{after}"),
        _ => line
            .get(..line.len().saturating_sub(40))
            .unwrap_or_default()
            .to_owned(),
    }
}

/// Every kind of line, in the proportions of a day's work: of each twenty,
/// eleven Stripe lines (accounts and `refreshed_balance` events), two with
/// non-ASCII text, three Plaid balance lines, three Plaid Signal lines and
/// one refused.
pub fn mixed_request_line(i: u64) -> String {
    match i % 20 {
        0 | 10 => non_ascii_request_line(i),
        3 | 9 | 15 => plaid_request_line(i),
        6 | 12 | 18 => signal_request_line(i),
        19 => refused_request_line(i),
        _ => request_line(i),
    }
}
