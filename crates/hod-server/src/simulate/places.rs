//! Real city and ZIP code pairs (a downtown ZIP of each city) for every state that has been
//! on HealthCare.gov in a plan year on record, with a telephone area code of the state and
//! a rough weight for how many consumers it sends (the large federal-platform markets,
//! Florida and Texas, send the most).
//!
//! Which states a simulated consumer comes from is decided by
//! `hod_domain::eligibility::HealthCareGovStates` for the plan year shopped on the day; this
//! table only says where in the state. A unit test fails when a plan year lists a state that
//! has no row here.

use hod_domain::eligibility::StateCode::{self, *};

#[derive(Debug, Clone, Copy)]
pub struct StatePlaces {
    pub state: StateCode,
    /// Relative number of consumers.
    pub weight: u32,
    pub area_code: &'static str,
    /// `(city, zip)`.
    pub cities: &'static [(&'static str, &'static str)],
}

#[rustfmt::skip]
pub static PLACES: &[StatePlaces] = &[
    StatePlaces { state: AK, weight: 1, area_code: "907", cities: &[("Anchorage", "99501"), ("Fairbanks", "99701"), ("Juneau", "99801")] },
    StatePlaces { state: AL, weight: 4, area_code: "205", cities: &[("Birmingham", "35203"), ("Montgomery", "36104"), ("Mobile", "36602"), ("Huntsville", "35801")] },
    StatePlaces { state: AR, weight: 2, area_code: "501", cities: &[("Little Rock", "72201"), ("Fayetteville", "72701"), ("Fort Smith", "72901")] },
    StatePlaces { state: AZ, weight: 4, area_code: "602", cities: &[("Phoenix", "85004"), ("Tucson", "85701"), ("Mesa", "85201"), ("Flagstaff", "86001")] },
    StatePlaces { state: DE, weight: 1, area_code: "302", cities: &[("Wilmington", "19801"), ("Dover", "19901"), ("Newark", "19711")] },
    StatePlaces { state: FL, weight: 30, area_code: "305", cities: &[("Miami", "33130"), ("Orlando", "32801"), ("Tampa", "33602"), ("Jacksonville", "32202"), ("Hialeah", "33010")] },
    StatePlaces { state: HI, weight: 1, area_code: "808", cities: &[("Honolulu", "96813"), ("Hilo", "96720"), ("Kahului", "96732")] },
    StatePlaces { state: IA, weight: 1, area_code: "515", cities: &[("Des Moines", "50309"), ("Cedar Rapids", "52401"), ("Davenport", "52801")] },
    StatePlaces { state: IL, weight: 4, area_code: "312", cities: &[("Chicago", "60601"), ("Springfield", "62701"), ("Peoria", "61602")] },
    StatePlaces { state: IN, weight: 2, area_code: "317", cities: &[("Indianapolis", "46204"), ("Fort Wayne", "46802"), ("Evansville", "47708")] },
    StatePlaces { state: KS, weight: 1, area_code: "316", cities: &[("Wichita", "67202"), ("Topeka", "66603"), ("Kansas City", "66101")] },
    StatePlaces { state: LA, weight: 2, area_code: "504", cities: &[("New Orleans", "70112"), ("Baton Rouge", "70801"), ("Shreveport", "71101")] },
    StatePlaces { state: MI, weight: 3, area_code: "313", cities: &[("Detroit", "48226"), ("Grand Rapids", "49503"), ("Lansing", "48933")] },
    StatePlaces { state: MO, weight: 3, area_code: "314", cities: &[("St. Louis", "63101"), ("Kansas City", "64106"), ("Springfield", "65806")] },
    StatePlaces { state: MS, weight: 2, area_code: "601", cities: &[("Jackson", "39201"), ("Gulfport", "39501"), ("Hattiesburg", "39401")] },
    StatePlaces { state: MT, weight: 1, area_code: "406", cities: &[("Billings", "59101"), ("Missoula", "59802"), ("Helena", "59601")] },
    StatePlaces { state: NC, weight: 7, area_code: "704", cities: &[("Charlotte", "28202"), ("Raleigh", "27601"), ("Durham", "27701"), ("Greensboro", "27401")] },
    StatePlaces { state: ND, weight: 1, area_code: "701", cities: &[("Fargo", "58102"), ("Bismarck", "58501"), ("Grand Forks", "58201")] },
    StatePlaces { state: NE, weight: 1, area_code: "402", cities: &[("Omaha", "68102"), ("Lincoln", "68508")] },
    StatePlaces { state: NH, weight: 1, area_code: "603", cities: &[("Manchester", "03101"), ("Concord", "03301"), ("Nashua", "03060")] },
    StatePlaces { state: OH, weight: 4, area_code: "614", cities: &[("Columbus", "43215"), ("Cleveland", "44113"), ("Cincinnati", "45202"), ("Toledo", "43604")] },
    StatePlaces { state: OK, weight: 2, area_code: "405", cities: &[("Oklahoma City", "73102"), ("Tulsa", "74103"), ("Norman", "73069")] },
    StatePlaces { state: OR, weight: 2, area_code: "503", cities: &[("Portland", "97204"), ("Salem", "97301"), ("Eugene", "97401")] },
    StatePlaces { state: SC, weight: 4, area_code: "803", cities: &[("Columbia", "29201"), ("Charleston", "29401"), ("Greenville", "29601")] },
    StatePlaces { state: SD, weight: 1, area_code: "605", cities: &[("Sioux Falls", "57104"), ("Rapid City", "57701"), ("Pierre", "57501")] },
    StatePlaces { state: TN, weight: 4, area_code: "615", cities: &[("Nashville", "37203"), ("Memphis", "38103"), ("Knoxville", "37902"), ("Chattanooga", "37402")] },
    StatePlaces { state: TX, weight: 25, area_code: "713", cities: &[("Houston", "77002"), ("Dallas", "75201"), ("San Antonio", "78205"), ("Austin", "78701"), ("El Paso", "79901")] },
    StatePlaces { state: UT, weight: 2, area_code: "801", cities: &[("Salt Lake City", "84111"), ("Provo", "84601"), ("Ogden", "84401")] },
    StatePlaces { state: WI, weight: 2, area_code: "414", cities: &[("Milwaukee", "53202"), ("Madison", "53703"), ("Green Bay", "54301")] },
    StatePlaces { state: WV, weight: 1, area_code: "304", cities: &[("Charleston", "25301"), ("Huntington", "25701"), ("Morgantown", "26505")] },
    StatePlaces { state: WY, weight: 1, area_code: "307", cities: &[("Cheyenne", "82001"), ("Casper", "82601"), ("Laramie", "82070")] },
];

/// The places of a state, if the table has it.
pub fn places(state: StateCode) -> Option<&'static StatePlaces> {
    PLACES.iter().find(|p| p.state == state)
}
