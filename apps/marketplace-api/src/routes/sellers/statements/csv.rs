//! The CSV rendering of a seller's statement.

use marketplace_domain::money::Money;
use marketplace_domain::seller::SellerStatement;

use crate::wire::MoneyDto;

/// A header, one row per tool, a `TOTAL` row, then the balances; amounts in the
/// currency's minor unit, as in JSON.
#[must_use]
pub fn statement_csv(s: &SellerStatement) -> String {
    let st = &s.statement;
    let amount = |m: Money| MoneyDto::from(m).amount;
    let mut out = String::from("tool_id,units,gross,fees,refunds,net,currency\n");
    let currency = st.currency.code();
    for l in &st.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{currency}\n",
            l.tool_id,
            l.units,
            amount(l.gross),
            amount(l.fees),
            amount(l.refunds),
            amount(l.net),
        ));
    }
    let t = &st.totals;
    out.push_str(&format!(
        "TOTAL,{},{},{},{},{},{currency}\n",
        t.units,
        amount(t.gross),
        amount(t.fees),
        amount(t.refunds),
        amount(t.net),
    ));
    for (name, m) in [
        ("OPENING_BALANCE", s.opening),
        ("PAYOUTS", s.payouts),
        ("CLOSING_BALANCE", s.closing),
    ] {
        out.push_str(&format!("{name},,,,,{},{currency}\n", amount(m)));
    }
    out
}
