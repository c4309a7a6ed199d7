"""Index labels of time-ordered rows: the label that follows, and continuity.

SlidingWindow remembers the label after its last training row, to recognise
rows that continue them; it saves that label as plain values (kind, text, time
zone or frequency) and reads it back with the functions here.
"""

import numpy as np
import pandas as pd


def _next_label(index):
    """The label of the row right after ``index``, or None if it cannot be told.

    Only strictly increasing, evenly spaced indexes have one: a DatetimeIndex
    with a freq (set, or inferred as :func:`pandas.infer_freq` does), a
    PeriodIndex without gaps, or an integer index with a constant step.
    Raises ValueError if that label lies beyond what the index's type holds
    (an int64 index ending at ``2**63 - 1``, a date past 2262-04-11), rather
    than letting it wrap round.
    """
    if index is None or len(index) == 0:
        return None
    if not (index.is_monotonic_increasing and index.is_unique):
        return None
    try:
        return _label_after(index)
    except (OverflowError, pd.errors.OutOfBoundsDatetime) as error:
        raise _beyond_range(index[-1], error) from None


def _labels_after(index, n):
    """The ``n`` labels after ``index``: :func:`_next_label` of ``index``, then
    of ``index`` followed by the labels before, without building those indexes.

    ``[None] * n`` when ``index`` has no next label.
    """
    labels = [_next_label(index)]
    if labels[0] is None:
        return [None] * n
    next_of = _label_step(index, labels[0])
    try:
        while len(labels) < n:
            labels.append(next_of(labels[-1]))
    except (OverflowError, pd.errors.OutOfBoundsDatetime) as error:
        raise _beyond_range(labels[-1], error) from None
    return labels


def _label_step(index, next_label):
    """The label after a label, as ``_label_after`` steps ``index`` (whose
    next label is ``next_label``): its frequency, one period, its integer step."""
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq or pd.DatetimeIndex(index, freq="infer").freq
        return lambda label: label + freq
    if isinstance(index, pd.PeriodIndex):
        return lambda label: label + 1
    step = int(next_label) - int(index[-1])
    return lambda label: _fitting_integer(int(label) + step, index.dtype)


def _label_after(index):
    if isinstance(index, pd.DatetimeIndex):
        # freq="infer" is pd.infer_freq's rule without its pandas 4 warning.
        freq = index.freq or pd.DatetimeIndex(index, freq="infer").freq
        return None if freq is None else index[-1] + freq
    if isinstance(index, pd.PeriodIndex):
        regular = len(index) < 2 or (index[1:] == index[:-1] + 1).all()
        return index[-1] + 1 if regular else None
    if isinstance(index, pd.RangeIndex):
        return _fitting_integer(int(index[-1]) + index.step, index.dtype)
    if pd.api.types.is_integer_dtype(index.dtype) and len(index) >= 2:
        return _integer_label_after(index)
    return None


def _integer_label_after(index):
    # In Python integers: numpy's int64 arithmetic wraps round silently.
    first, second, last = int(index[0]), int(index[1]), int(index[-1])
    step = second - first
    if last - first != step * (len(index) - 1):
        return None
    steps = np.diff(index.to_numpy())  # no overflow: last - first fits
    if not (steps == steps[0]).all():
        return None
    return _fitting_integer(last + step, index.dtype)


def _fitting_integer(label, dtype):
    info = np.iinfo(dtype)
    if not info.min <= label <= info.max:
        raise OverflowError(
            f"{label} is beyond {dtype}'s range [{info.min}, {info.max}]"
        )
    return label


def _beyond_range(last, error):
    return ValueError(
        f"The rows' index ends at {last!r}: the label of the row after it "
        f"does not exist ({error}), so rows that follow cannot be labelled. Index the "
        "rows by time within range (a DatetimeIndex before 2262, or an integer "
        "index well inside int64), or reset it with X.reset_index(drop=True)."
    )


def _same_kind(next_label, index):
    """Whether labels of ``index`` can be compared with ``next_label``."""
    if isinstance(next_label, pd.Timestamp):
        return isinstance(index, pd.DatetimeIndex)
    if isinstance(next_label, pd.Period):
        # Periods of other frequencies cannot be compared.
        return isinstance(index, pd.PeriodIndex) and index.freq == next_label.freq
    return pd.api.types.is_integer_dtype(index.dtype)


def _continues(next_label, index):
    """Whether ``index`` starts at ``next_label`` and increases strictly.

    None when there is nothing to compare: no label from fit, or no index now.
    """
    if next_label is None or index is None or len(index) == 0:
        return None
    return bool(
        _same_kind(next_label, index)
        and index[0] == next_label
        and index.is_monotonic_increasing
        and index.is_unique
    )


def _mismatch(index):
    """What in ``index`` shows that its rows do not follow the fit rows."""
    if not (index.is_monotonic_increasing and index.is_unique):
        return f"is not strictly increasing ({index[0]!r} ... {index[-1]!r})"
    return f"starts at {index[0]!r}"


def _map_labels(convert, labels):
    """``convert`` applied to one label, or to each value of a panel's dict."""
    if isinstance(labels, dict):
        return {series_id: convert(label) for series_id, label in labels.items()}
    return convert(labels)


def _plain_label(label):
    """An index label as plain values: (kind, text, time zone or frequency).

    A time zone-aware label's text holds its UTC offset, so it names the same
    instant whatever the time zone object (zoneinfo, pytz, dateutil, a fixed
    offset); the zone's name is kept when it has one that loads back.
    """
    if isinstance(label, pd.Timestamp):
        return ("Timestamp", label.isoformat(), _zone_name(label.tz))
    if isinstance(label, pd.Period):
        return ("Period", str(label), label.freqstr)
    return label


def _zone_name(tz):
    """The IANA name of ``tz`` (zoneinfo's key, pytz's zone), or None."""
    if tz is None:
        return None
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)
    return name if isinstance(name, str) else None


def _label_from_plain(value):
    if isinstance(value, tuple | list) and len(value) == 3:
        kind, text, extra = value
        if kind == "Timestamp":
            return _timestamp(text, extra)
        if kind == "Period":
            return pd.Period(text, freq=extra)
    return value


def _timestamp(text, zone):
    """The saved instant, in its named zone when that loads, else at its offset."""
    label = pd.Timestamp(text)
    if zone is None:
        return label
    try:
        return label.tz_convert(zone) if label.tz else label.tz_localize(zone)
    except Exception:  # a zone unknown here, or an older file's str(tz) such
        # as "tzfile('Europe/Paris')": the offset in the text names the instant
        return label
