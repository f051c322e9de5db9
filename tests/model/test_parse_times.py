"""parse_times (many times in numpy passes) agrees with parse_time, and refuses what it refuses."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changsha_replay.model.times import TimeFormatError, parse_time, parse_times

moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@given(st.lists(st.tuples(moments, offsets, st.booleans(), st.sampled_from("T ")), min_size=1, max_size=30))
def test_many_times_parse_as_one_by_one(cases):
    texts = []
    for moment, offset, seconds, sep in cases:
        text = moment.replace(tzinfo=offset, microsecond=0).isoformat(
            sep=sep, timespec="seconds" if seconds else "minutes"
        )
        texts.append(text)
    assert parse_times(texts).tolist() == [parse_time(t) for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        "1942-13-05T06:30+08:00",  # month 13
        "1942-02-30T06:30+08:00",
        "1900-02-29T00:00+00:00",  # no leap day
        "1942-01-05T24:00+08:00",
        "1942-01-05T06:60+08:00",
        "1942-01-05T06:30:60+08:00",
        "1942-01-05T06:30+24:00",
        "1942-01-05T06:30Z",  # parse_time takes it; the caller falls back to it
        "1942-01-05T06:30+0a:00",
        "1942-01-05 06:30 +08:00",
        "1942-01-05T06:30+08:00 ",
        "１９４２-01-05T06:30+08:00",  # digits, but not ASCII ones
        "1942-01-05T06:30+08:60",  # an offset beyond 23:59
        "1942-01-05T06:30+08:00\x00",  # numpy would drop the NUL
    ],
)
def test_anything_else_sends_the_caller_one_by_one(text):
    assert parse_times(["1942-01-05T06:30+08:00", text]) is None
    if text.endswith("Z"):
        assert parse_time(text) == datetime(1942, 1, 5, 6, 30, tzinfo=UTC).timestamp()
    else:
        with pytest.raises(TimeFormatError):
            parse_time(text)
