"""Pages of a list without counting the whole list."""

from __future__ import annotations


class PageWithoutCount:
    """One page of rows, and whether there are pages either side of it: one row more than a
    page says whether there is a next one, where a paginator's COUNT over every row would
    grow with the table (a reviewer's backlog, a practice's years of requests)."""

    size = 50

    def __init__(self, rows, number):
        try:
            self.number = max(1, int(number or 1))
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * self.size
        fetched = list(rows[start : start + self.size + 1])
        self.items = fetched[: self.size]
        self.has_next = len(fetched) > self.size
        self.has_previous = self.number > 1
        self.next_page_number = self.number + 1
        self.previous_page_number = self.number - 1
        self.has_other_pages = self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)
