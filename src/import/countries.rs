//! Country codes: UN M49 numeric codes and ISO 3166 alpha-3 codes, with a name, from the
//! table shipped in `countries.csv` (M49 as distributed with ISO 3166, plus the codes
//! UN Comtrade and WITS use for World, the EU, areas "not elsewhere specified" and a few
//! countries Comtrade codes differently). Both codes are kept on every country.

/// What a code stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A country or territory: an exporter of its own.
    Country,
    /// The world total (partner 0 / WLD): the sum of the others, never an exporter.
    World,
    /// A group of countries (the EU): it overlaps its members.
    Group,
    /// An area "not elsewhere specified" (Comtrade partner 899 and the like).
    Nes,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    /// M49 numeric code (as Comtrade uses it).
    pub m49: u32,
    /// ISO 3166 alpha-3 code (or the provider's code), may be empty.
    pub iso3: String,
    /// The name written into the project's files.
    pub name: String,
    /// What it stands for.
    pub kind: Kind,
}

/// The shipped table (see `docs/data-sources.md`, "Country codes").
const TABLE: &str = include_str!("countries.csv");

/// The country table.
pub struct Countries {
    rows: Vec<Country>,
}

impl Countries {
    /// The shipped table.
    pub fn shipped() -> Self {
        let mut r = csv::Reader::from_reader(TABLE.as_bytes());
        let rows = r
            .records()
            .filter_map(Result::ok)
            .filter_map(|rec| {
                let kind = match rec.get(3)? {
                    "country" => Kind::Country,
                    "world" => Kind::World,
                    "group" => Kind::Group,
                    "nes" => Kind::Nes,
                    _ => return None,
                };
                Some(Country {
                    m49: rec.get(0)?.parse().ok()?,
                    iso3: rec.get(1)?.to_string(),
                    name: rec.get(2)?.to_string(),
                    kind,
                })
            })
            .collect();
        Countries { rows }
    }

    /// Number of codes in the table.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// A numeric M49 code (`586`, `0586`) or an alpha-3 code (`PAK`, any case). The World
    /// codes of the providers (`W00`, `WLD`, `000`) all give World, and WITS's codes for
    /// Comtrade's areas (`UNS`, `OAS`, `BUN`, `FRE`, `SPE`) give those areas.
    pub fn find(&self, code: &str) -> Option<&Country> {
        let code = code.trim();
        if code.is_empty() {
            return None;
        }
        if code.chars().all(|c| c.is_ascii_digit()) {
            let n: u32 = code.parse().ok()?;
            return self.rows.iter().find(|c| c.m49 == n);
        }
        let up = code.to_ascii_uppercase();
        // WITS's alphabetic codes for Comtrade's areas (not ISO codes): the same rows.
        let by_number = match up.as_str() {
            "W00" | "WLD" => Some(0),
            "UNS" => Some(899),
            "OAS" => Some(490),
            "BUN" => Some(837),
            "FRE" => Some(838),
            "SPE" => Some(839),
            _ => None,
        };
        match by_number {
            Some(n) => self.rows.iter().find(|c| c.m49 == n),
            None => self.rows.iter().find(|c| c.iso3 == up),
        }
    }

    /// A country by code or, failing that, by name (any case).
    pub fn find_any(&self, query: &str) -> Option<&Country> {
        self.find(query).or_else(|| {
            let q = query.trim().to_lowercase();
            self.rows.iter().find(|c| c.name.to_lowercase() == q)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_both_kinds_find_the_same_country() {
        let t = Countries::shipped();
        assert!(t.len() > 250);
        let a = t.find("586").unwrap();
        let b = t.find("pak").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.name, "Pakistan");
        assert_eq!(t.find("0").unwrap().kind, Kind::World);
        assert_eq!(t.find("W00").unwrap().kind, Kind::World);
        assert_eq!(t.find("WLD").unwrap().kind, Kind::World);
        assert_eq!(t.find("899").unwrap().kind, Kind::Nes);
        assert_eq!(t.find("UNS").unwrap().kind, Kind::Nes);
        assert_eq!(t.find("OAS").unwrap().name, t.find("490").unwrap().name);
        // Comtrade's own codes for some countries give the same name as M49's.
        assert_eq!(t.find("842").unwrap().name, t.find("840").unwrap().name);
        assert_eq!(t.find("699").unwrap().name, "India");
        assert_eq!(t.find("97").unwrap().name, t.find("EUN").unwrap().name);
        assert!(t.find("123456").is_none());
        assert!(t.find("").is_none());
        assert_eq!(t.find_any("pakistan").unwrap().iso3, "PAK");
    }

    #[test]
    fn every_numeric_code_is_listed_once() {
        let t = Countries::shipped();
        let mut codes: Vec<u32> = t.rows.iter().map(|c| c.m49).collect();
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }
}
