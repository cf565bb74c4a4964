"""The journal read back after a kill at any byte: what `recover` writes is exactly the appends
that were whole in the file (those whose write returned), in order, records and batches alike —
whatever the bodies hold (newlines, quotes, non-ASCII)."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st
from ruleproof.server.journal import Journal

TEXT = st.text(st.sampled_from('ab"\\\n{}:é'), max_size=12)
RECORD = st.tuples(st.uuids().map(str), TEXT, st.just("p"), st.just("1"), TEXT, TEXT, TEXT,
                   st.none() | TEXT, st.none() | TEXT)
BATCH = st.tuples(st.uuids().map(str), TEXT, st.just("p"), st.just("1"), st.none() | TEXT, st.none() | TEXT,
                  st.integers(1, 5), TEXT, TEXT)
APPEND = st.one_of(st.lists(RECORD, min_size=1, max_size=3).map(lambda r: (r, None)), BATCH.map(lambda b: ([], b)))


@settings(max_examples=300, deadline=None)
@given(st.lists(APPEND, min_size=1, max_size=6), st.data())
def test_recover_writes_exactly_the_appends_that_were_whole(tmp_path_factory, appends, data):
    folder = tmp_path_factory.mktemp("journal")
    journal = Journal(folder)
    ends = []
    for records, batch in appends:
        segment = journal.append(records, batch)
        ends.append(os.fstat(segment.fd).st_size)
    path = segment.path
    near_an_end = st.sampled_from(ends).flatmap(lambda end: st.integers(max(0, end - 2), end))
    size = data.draw(st.integers(0, ends[-1]) | near_an_end)
    os.truncate(path, size)
    journal._segment = None  # as a killed process: its lock goes with its descriptor
    os.close(segment.fd)
    written: list[tuple[list, list]] = []
    Journal(folder).recover(lambda records, batches: written.append((list(records), list(batches))))
    whole = [append for append, end in zip(appends, ends) if end <= size]
    expected_records = [tuple(r) for records, _ in whole for r in records]
    expected_batches = [batch for _, batch in whole if batch is not None]
    assert [r for records, _ in written for r in records] == expected_records
    assert [b for _, batches in written for b in batches] == expected_batches
    assert not path.exists()
