"""The numbers the matcher decides by: thresholds on the 0..100 score, prefilter sizes and
the scores given to exact and short-title evidence."""

# Thresholds on the 0..100 score (chosen on bench/data/match, see the README, "Matching").
AUTO_SCORE = 90.0  # fuzzy score needed to cite without review
AUTO_SCORE_AUTHORS = 82.0  # ... when the note's authors and year agree with the entry
AUTO_MARGIN = 8.0  # lead over the best different paper needed to cite without review
REVIEW_SCORE = 72.0  # below this a fuzzy hit is only listed as a candidate
MIN_AUTO_TOKENS = 3  # shorter headings need an exact score (e.g. "Grid LSTM") to be auto-cited
SHORT_OTHER_TITLES = 5  # a short title found in more other titles reads as a topic, not a name
PREFILTER_LIMIT = 40  # candidates scored per heading after the token prefilter
PREFILTER_TOKENS = 4  # the rarest words of a heading that select candidates
DF_CAP_SHARE = 0.04  # tokens in more than this share of titles do not select candidates

SCORE_EXACT = 100.0
# ends the reason of a review that --accept-review (match.accept_review) would cite; any other
# review names another paper or has contradicting evidence, and the flag leaves it alone
ACCEPT_REVIEW_NOTE = "--accept-review cites it"
SCORE_SHORT = 95.0
# candidates are ordered by score x (RANK_BASE + (1 - RANK_BASE) x the IDF-weighted share of
# words in common): a distinctive word shared outweighs a few common ones
RANK_BASE = 0.75
