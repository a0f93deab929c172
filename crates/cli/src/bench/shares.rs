//! `bench compare`'s shares of the limit over several rounds. On a shared machine the
//! limit and the intake swing by a fifth from one phase to the next; a round runs the
//! limit and the intakes one after the other, so each round's share compares phases
//! that ran on nearly the same machine, and the median of the rounds' shares is what
//! the report states.

/// One round: the limit's writes/s, then each intake's (JSON API, all channels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Round {
    pub limit: f64,
    pub api: f64,
    pub all: f64,
}

/// Medians over the rounds: of the writes/s and of each round's own shares (in %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    pub limit: f64,
    pub api: f64,
    pub all: f64,
    pub api_share: f64,
    pub all_share: f64,
}

/// `x` writes/s as a share of `limit` writes/s, in % (0 when the limit did nothing).
pub fn share(x: f64, limit: f64) -> f64 {
    if limit > 0.0 { x / limit * 100.0 } else { 0.0 }
}

impl Round {
    /// `x` as a share of this round's limit, in %.
    pub fn share(&self, x: f64) -> f64 {
        share(x, self.limit)
    }
}

/// The median (of an even count, the mean of the middle two); 0 for none.
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The rounds' medians. Each share is the median of the rounds' own shares, not a
/// ratio of medians: a round whose limit ran on a quiet moment and whose intake on a
/// busy one counts as one round, whatever its figures.
pub fn over(rounds: &[Round]) -> Shares {
    let of = |f: fn(&Round) -> f64| median(rounds.iter().map(f).collect());
    Shares {
        limit: of(|r| r.limit),
        api: of(|r| r.api),
        all: of(|r| r.all),
        api_share: of(|r| r.share(r.api)),
        all_share: of(|r| r.share(r.all)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), 0.0);
        assert_eq!(median(vec![3.0]), 3.0);
        assert_eq!(median(vec![5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn each_share_is_the_median_of_the_rounds_own_shares() {
        let rounds = [
            // A quiet limit and a busy intake: 25 %.
            Round {
                limit: 20_000.0,
                api: 5_000.0,
                all: 4_000.0,
            },
            Round {
                limit: 10_000.0,
                api: 4_000.0,
                all: 3_000.0,
            },
            Round {
                limit: 12_000.0,
                api: 6_000.0,
                all: 6_000.0,
            },
        ];
        let s = over(&rounds);
        // Shares 25, 40, 50 % and 20, 30, 50 %: the middle ones.
        assert_eq!((s.api_share, s.all_share), (40.0, 30.0));
        // The ratio of the medians (5,000 / 12,000) would say 41.7 %.
        assert_eq!((s.limit, s.api, s.all), (12_000.0, 5_000.0, 4_000.0));
    }

    #[test]
    fn a_limit_that_did_nothing_gives_no_share() {
        let r = Round {
            limit: 0.0,
            api: 100.0,
            all: 100.0,
        };
        assert_eq!(r.share(r.api), 0.0);
        assert_eq!(over(&[r]).api_share, 0.0);
    }
}
