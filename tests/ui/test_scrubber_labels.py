"""The timeline names every phase it can: a narrow band keeps its number, the current phase its name."""

from __future__ import annotations

from itertools import pairwise

import pytest

from changsha_replay.ui.scrubber import label_starts


def test_a_wide_band_is_named_from_its_start():
    assert label_starts([(0, 100), (100, 300)], [7, 7]) == [4, 104]


def test_a_narrow_band_gets_its_number_centred_and_the_next_name_moves_over():
    starts = label_starts([(0, 100), (100, 104), (104, 300)], [7, 7, 7])
    assert starts[1] == pytest.approx(102 - 3.5)
    assert starts[2] == pytest.approx(starts[1] + 7 + 6)  # clear of the centred number


def test_narrow_bands_side_by_side_leave_out_what_has_no_room():
    starts = label_starts([(0, 100), (100, 103), (103, 106), (106, 300)], [7, 7, 7, 7])
    assert starts[1] is not None and starts[2] is None  # a second number would sit on the first


def test_every_bundled_phase_has_a_readable_number_on_the_timeline(qapp, bundled, qtbot):
    from PySide6.QtGui import QFont, QFontMetrics

    from changsha_replay.ui.scrubber import Scrubber
    from changsha_replay.ui.session import Session

    session = Session()
    session.set_scenario(bundled)
    for width in (1376, 976, 700):
        scrubber = Scrubber(session)
        qtbot.addWidget(scrubber)
        scrubber.resize(width, 40)
        bands = [(scrubber._x_of(p.start), scrubber._x_of(p.end)) for p in bundled.phases]
        font = QFont(scrubber.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        numbers = [QFontMetrics(font).horizontalAdvance(str(i + 1)) for i in range(len(bands))]
        starts = label_starts(bands, numbers)
        placed = [(s, w) for s, w in zip(starts, numbers) if s is not None]
        assert all(b[0] - a[0] >= a[1] + 4 for a, b in pairwise(placed)), width  # no number on another
        if width >= 976:
            assert None not in starts, width  # phase 5 lasts a day: it is still numbered
