//! Where the built-in list comes from, and the article's own advice, shown in
//! the help overlay so the scores are read with the caveats that came with them.

pub const SOURCE: &str = "Token Metrics, \"Top Upcoming Crypto Coins - 14 High Potential \
Altcoins Not Trading Yet\" (2024), picks by Ian Balina.";

pub const CRITERIA: &[&str] = &[
    "a tech score of 75% or above",
    "strong fundamentals",
    "long-term staying power",
    "the potential to enter the top 100 by market cap",
];

pub const RISK: &[&str] = &[
    "Put no more than 5% of your total portfolio into any single project.",
    "Token Metrics Ventures puts at most 1% of its portfolio into each early-stage project.",
    "Early-stage projects carry high potential rewards and high risks: do your own research \
     on the team, technology and market, and set realistic expectations.",
    "None of this is investment advice.",
];
