//! Every public type can cross threads: a gate is shared by request handlers.

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn public_types_are_send_and_sync() {
    use fundsgate::*;
    assert_send_sync::<Balance>();
    assert_send_sync::<BalanceType>();
    assert_send_sync::<Basis>();
    assert_send_sync::<Category>();
    assert_send_sync::<Code>();
    assert_send_sync::<Codes>();
    assert_send_sync::<Currency>();
    assert_send_sync::<CurrencyMap<i64>>();
    assert_send_sync::<Debit>();
    assert_send_sync::<Decision>();
    assert_send_sync::<Policy>();
    assert_send_sync::<Ratio>();
    assert_send_sync::<Refresh>();
    assert_send_sync::<RefreshAction>();
    assert_send_sync::<RefreshHint>();
    assert_send_sync::<RefreshStatus>();
    assert_send_sync::<Rule>();
    assert_send_sync::<Snapshot>();
    assert_send_sync::<Status>();
    assert_send_sync::<Verdict>();
    assert_send_sync::<CurrencyError>();
    assert_send_sync::<DebitError>();
    assert_send_sync::<ParseError>();
    assert_send_sync::<PolicyError>();
    assert_send_sync::<ErrorKind>();
    assert_send_sync::<ReturnCodeError>();
    assert_send_sync::<Presentment>();
    assert_send_sync::<ReturnCode>();
    assert_send_sync::<AccountId>();
    assert_send_sync::<Provider>();
    assert_send_sync::<Fingerprint>();
    assert_send_sync::<PolicyBuilder>();
    assert_send_sync::<DebitRecord>();
    assert_send_sync::<PolicyRecord>();
    assert_send_sync::<Engine>();
    assert_send_sync::<Categories>();
    assert_send_sync::<Batch>();
    assert_send_sync::<RatioError>();
    assert_send_sync::<RequiredOverflow>();
    assert_send_sync::<InstantError>();
}
