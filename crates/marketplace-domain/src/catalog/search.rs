//! Search that a buyer would call search (R-C5): the words of the query in any order, case
//! and accents ignored, each found in the name or the description; results ranked by how
//! much of the query the name carries.

/// Lower-cases `text` and strips the accents of Latin letters (`Crème` → `creme`,
/// `Straße` → `strasse`), so a query typed without accents finds accented names.
#[must_use]
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => "i",
            'ł' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'ŕ' | 'ř' => "r",
            'ś' | 'š' | 'ş' => "s",
            'ť' | 'ţ' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(plain);
    }
    out
}

/// The words of a search text, folded and separated by one space (`"  Crème, BRÛLÉE "` →
/// `"creme brulee"`); empty when it has none.
#[must_use]
pub fn words(text: &str) -> String {
    let folded = fold(text);
    let mut seen: Vec<&str> = Vec::new();
    for w in folded.split(|c: char| !c.is_alphanumeric()) {
        if !w.is_empty() && !seen.contains(&w) {
            seen.push(w);
        }
    }
    seen.join(" ")
}

/// Whether every word of `query` (as made by [`words`]) is in the folded name or
/// description.
#[must_use]
pub fn found(query: &str, name: &str, description: &str) -> bool {
    query
        .split(' ')
        .all(|w| name.contains(w) || description.contains(w))
}

/// How relevant a match is: per query word, 2 when the name has it and 1 when the
/// description has it. The store's SQL computes the same sum.
#[must_use]
pub fn relevance(query: &str, name: &str, description: &str) -> u32 {
    query
        .split(' ')
        .map(|w| 2 * u32::from(name.contains(w)) + u32::from(description.contains(w)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_c5_search_ignores_case_and_accents() {
        assert_eq!(fold("Crème BRÛLÉE Straße"), "creme brulee strasse");
        assert_eq!(words("  Crème, brûlée  crème "), "creme brulee");
        assert!(found(&words("CREME"), &fold("Crème Finder"), ""));
    }

    #[test]
    fn r_c5_search_words_match_in_any_order_across_name_and_description() {
        let name = fold("Lead Scoring Pro");
        let description = fold("Ranks your CRM contacts");
        assert!(found(&words("crm lead"), &name, &description));
        assert!(found(&words("scoring lead"), &name, &description));
        assert!(!found(&words("lead email"), &name, &description));
    }

    #[test]
    fn r_c5_search_ranks_name_hits_above_description_hits() {
        let q = words("lead crm");
        let in_name = relevance(&q, &fold("CRM Lead Sync"), "");
        let split = relevance(&q, &fold("Lead Sync"), &fold("for crm"));
        let in_description = relevance(&q, &fold("Sync"), &fold("lead crm"));
        assert!(
            in_name > split && split > in_description,
            "{in_name} {split} {in_description}"
        );
    }
}
