"""The merge rules (see the package docstring): film identity across files, viewings, rewatches, ratings."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from datetime import date
from operator import itemgetter

from movies.domain.export.files import FileReport, ParsedFile
from movies.domain.export.model import Export, Film, Viewing, _by_order, _new_id
from movies.domain.export.values import _is_yes, _uri, parse_date, parse_position, parse_rating, parse_tags, parse_year, slashed_order, title_key

class _Merger:
    def __init__(self) -> None:
        self.export = Export()
        self.by_uri: dict[str, Film] = {}
        self.by_key: dict[tuple[str, int | None], list[Film]] = defaultdict(list)
        self.by_name: dict[str, list[Film]] = defaultdict(list)
        self.diary_by_uri: dict[str, tuple[Viewing, Film]] = {}
        # parse_date's and parse_rating's answers by raw text: an export repeats few dates and ratings
        self.dates: dict[str, date | None] = {}
        self.slashed_dates: dict[tuple[str, bool | None], date | None] = {}
        # a film known without a year -> the year of the first row with a year it took (rule 1)
        self.yearless_took: dict[str, int] = {}
        self.ratings_read: dict[str, float | None] = {}

    def warn(self, report: FileReport, line: int, message: str) -> None:
        self.export.warning_count += 1
        if len(self.export.warnings) < 50:
            self.export.warnings.append(f"{report.name} row {line}: {message}")

    # -- identity
    def candidates(self, key: tuple[str, int | None]) -> list[Film]:
        """The films a row of this title key and year may be (module doc, rule 1).

        The films of that exact title and year; else, for a row without a year, the title's film
        when it has only one; else, for a row with a year, the title's one film known without a
        year when it has already taken rows of this year, or has taken none and is the title's
        only film (no film of the title with another year exists).
        """
        found = self.by_key.get(key)
        if found:
            return found
        name, year = key
        named = self.by_name.get(name)
        if not named:
            return []
        if year is None:
            return named if len(named) == 1 else []
        yearless = self.by_key.get((name, None))
        if yearless and len(yearless) == 1:
            took = self.yearless_took.get(yearless[0].id)
            if took == year or (took is None and len(named) == 1):
                return yearless
        return []

    def took(self, film: Film, year: int | None) -> None:
        """Record that a row of ``year`` joined ``film``: a film known without a year then takes no
        row of another year (see :meth:`candidates`)."""
        if year is not None and film.year is None:
            self.yearless_took.setdefault(film.id, year)

    def new_film(self, name: str, year: int | None, key: tuple[str, int | None], uri: str | None) -> Film:
        film = Film(_new_id(), len(self.export.films), name, year, key, uri)
        self.export.films.append(film)
        self.by_key[key].append(film)
        self.by_name[key[0]].append(film)
        if uri:
            self.by_uri[uri] = film
        return film

    def unmatched_film(self, name: str, year: int | None, key: tuple[str, int | None], report: FileReport, line: int) -> Film:
        """A new film for a row without a film URI that :meth:`candidates` matched to no film.

        When the row could still be one of the title's films — it has no year and the title has
        films with years (``Suspiria`` beside 1977 and 2018), or it has a year and the title has a
        film without one that it did not join — the export cannot tell, so the film is kept apart
        and says so in its ``identity_note``, with a warning.
        """
        rivals = [f for f in self.by_name.get(key[0], ()) if year is None or f.year is None]
        film = self.new_film(name, year, key, None)
        if rivals:
            could_be = ", ".join(f"{f.name!r} ({f.year or 'no year'})" for f in rivals[:5])
            film.identity_note = (f"{name!r} ({year or 'no year'}) may be the same film as {could_be}; "
                                  "the export does not say, so it is counted as a film of its own")
            self.warn(report, line, film.identity_note)
        return film

    def film_by_uri_or_key(self, name: str, year: int | None, uri: str | None, report: FileReport, line: int, *,
                           create: bool) -> Film | None:
        if uri and uri in self.by_uri:
            return self.by_uri[uri]
        key = (title_key(name), year)
        found = self.candidates(key)
        if len(found) == 1 and (uri is None or found[0].uri is None):
            if uri:
                found[0].uri = uri
                self.by_uri[uri] = found[0]
            self.took(found[0], year)
            return found[0]
        if found and uri is None:
            return found[0]  # several films share the title and year, and the row says no more
        if not create:
            return None
        if uri is None:
            return self.unmatched_film(name, year, key, report, line)
        # a film URI no film has: another film of the same title (film URIs are authoritative)
        return self.new_film(name, year, key, uri)

    # -- row values (the files' handlers look their columns up once: see Columns)
    def row_identity(self, row: list[str], name_at: int, year_at: int, report: FileReport, line: int) -> tuple[str, int | None] | None:
        name = row[name_at].strip()
        if not name:
            report.skipped += 1
            self.warn(report, line, "no film name; row skipped")
            return None
        raw_year = row[year_at].strip()
        year = parse_year(raw_year)
        if raw_year and year is None:
            self.warn(report, line, f"year {raw_year[:20]!r} not understood; treated as unknown")
        return name[:500], year

    def date_of(self, raw: str, column: str, pf: ParsedFile, line: int) -> date | None:
        try:
            value = self.dates[raw]
        except KeyError:
            if "/" in raw:  # a slashed date reads in its column's order; ISO dates stay one dict lookup
                order = self.date_order(pf, column, line)
                try:
                    value = self.slashed_dates[raw, order]
                except KeyError:
                    value = self.slashed_dates[raw, order] = parse_date(raw, order)
            else:
                value = self.dates[raw] = parse_date(raw)
        if value is None and raw and raw.strip():
            self.warn(pf.report, line, f"{column} {raw.strip()[:30]!r} not understood")
        return value

    def date_order(self, pf: ParsedFile, column: str, line: int) -> bool | None:
        """Whether the file's ``column`` writes slashed dates day first (True), month first (False)
        or is undecided (None: each date is read on its own, see :func:`parse_date`).

        Decided once per file, when its first slashed date is read: by the column's own dates
        (:func:`slashed_order`), else, when none of them tells, by the file's other date columns
        (a spreadsheet re-saves every column in one order). Dates that disagree leave the column
        undecided, with a warning.
        """
        try:
            return pf.date_orders[column]
        except KeyError:
            pass
        said = {name: slashed_order(row[pf.cols[name]] for row in pf.rows)
                for name in ("Date", "Watched Date") if name in pf.cols}
        said.setdefault(column, set())
        everything = set().union(*said.values())
        for name, seen in said.items():
            seen = seen or everything
            pf.date_orders[name] = next(iter(seen)) if len(seen) == 1 else None
            if len(seen) > 1:
                self.warn(pf.report, line, f"{name} has both day-first and month-first dates (13/4 and 4/13); "
                                           "each slashed date is read on its own")
        return pf.date_orders[column]

    def rating_of(self, raw: str, report: FileReport, line: int) -> float | None:
        try:
            value = self.ratings_read[raw]
        except KeyError:
            value = self.ratings_read[raw] = parse_rating(raw)
        if value is None and raw and raw.strip() not in ("", "0"):
            self.warn(report, line, f"rating {raw.strip()[:20]!r} not understood")
        return value

    # -- files
    def watched(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, uri_at, date_at = c["Name"], c["Year"], c["Letterboxd URI"], c["Date"]
        identity, date_of, new_film, by_uri, by_key = self.row_identity, self.date_of, self.new_film, self.by_uri, self.by_key
        for line, row in enumerate(pf.rows, start=2):
            ident = identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            name, year = ident
            uri = _uri(row[uri_at])
            if uri and uri in by_uri:
                film = by_uri[uri]
            elif uri:
                film = new_film(name, year, (title_key(name), year), uri)
            else:
                key = (title_key(name), year)
                found = by_key.get(key)
                film = found[0] if found else new_film(name, year, key, None)
            film.sources.add("watched")
            marked = date_of(row[date_at], "Date", pf, line)
            if marked and (film.marked_watched_on is None or marked < film.marked_watched_on):
                film.marked_watched_on = marked

    def ratings(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, uri_at, date_at, rating_at = c["Name"], c["Year"], c["Letterboxd URI"], c["Date"], c["Rating"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            rating = self.rating_of(row[rating_at], report, line)
            if rating is None:
                report.skipped += 1
                continue
            uri = _uri(row[uri_at])
            film = self.film_by_uri_or_key(*ident, uri, report, line, create=True)
            film.sources.add("ratings")
            film.ratings_rating = rating
            self.export.ratings.append((film.id, rating, self.date_of(row[date_at], "Date", pf, line), uri))

    def likes(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, uri_at, date_at = c["Name"], c["Year"], c["Letterboxd URI"], c["Date"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            uri = _uri(row[uri_at])
            film = self.film_by_uri_or_key(*ident, uri, report, line, create=False)
            if film is not None:
                film.liked = True
            self.export.likes.append((film.id if film else None, ident[0], ident[1], uri,
                                      self.date_of(row[date_at], "Date", pf, line)))

    def diary(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, watched_at, date_at = c["Name"], c["Year"], c["Watched Date"], c["Date"]
        uri_at, rating_at, rewatch_at, tags_at = c["Letterboxd URI"], c["Rating"], c["Rewatch"], c["Tags"]
        identity, date_of, rating_of = self.row_identity, self.date_of, self.rating_of
        entries = []
        for line, row in enumerate(pf.rows, start=2):
            ident = identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            watched_on = date_of(row[watched_at], "Watched Date", pf, line)
            logged_on = date_of(row[date_at], "Date", pf, line)
            # date order (rule 4): watched date, then logged date, then file order
            order = (watched_on or logged_on or date.min, logged_on or date.min, 0, line)
            entries.append((order, ident, watched_on, logged_on, row))
        entries.sort(key=itemgetter(0))
        by_key, candidates = self.by_key, self.candidates
        viewings, diary_by_uri = self.export.viewings, self.diary_by_uri
        dealt: dict[tuple, int] = defaultdict(int)
        for order, (name, year), watched_on, logged_on, row in entries:
            key = (title_key(name), year)
            found = by_key.get(key) or candidates(key)
            if len(found) > 1:  # films told apart by case alone ("Rain" and "rain", both 2019)
                exact = [f for f in found if f.name == name]
                found = exact if len(exact) == 1 else found
            if not found:
                film = self.unmatched_film(name, year, key, report, order[3])
            elif len(found) == 1:
                film = found[0]
                if year is not None and film.year is None:
                    self.took(film, year)
            else:
                film = found[dealt[key] % len(found)]
                dealt[key] += 1
                note = f"{len(found)} films in the export are called {name!r} ({year}); diary entries were dealt out in date order"
                for f in found:
                    f.identity_note = note
            film.sources.add("diary")
            uri = _uri(row[uri_at])
            viewing = Viewing(_new_id(), film.id, order, watched_on or logged_on, logged_on, rating_of(row[rating_at], report, line),
                              _is_yes(row[rewatch_at]), parse_tags(row[tags_at]), uri, "diary")
            film.viewings.append(viewing)
            viewings.append(viewing)
            if uri:
                diary_by_uri[uri] = (viewing, film)

    def reviews(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, watched_at, date_at = c["Name"], c["Year"], c["Watched Date"], c["Date"]
        uri_at, rating_at, rewatch_at, tags_at, review_at = c["Letterboxd URI"], c["Rating"], c["Rewatch"], c["Tags"], c["Review"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            uri = _uri(row[uri_at])
            watched_on = self.date_of(row[watched_at], "Watched Date", pf, line)
            published = self.date_of(row[date_at], "Date", pf, line)
            rating = self.rating_of(row[rating_at], report, line)
            tags = parse_tags(row[tags_at])
            entry = self.diary_by_uri.get(uri) if uri else None
            if entry is not None:
                viewing, film = entry
            else:
                viewing = None
                key = (title_key(ident[0]), ident[1])
                found = self.candidates(key)
                if len(found) > 1:
                    exact = [f for f in found if f.name == ident[0]]
                    found = exact if len(exact) == 1 else found
                film = None
                for f in found:  # the film with a viewing that day, among same-titled films
                    if any(v.watched_on == watched_on for v in f.viewings):
                        film = f
                        break
                if film is None:
                    film = found[0] if found else self.unmatched_film(ident[0], ident[1], key, report, line)
                self.took(film, ident[1])
                if watched_on is not None:
                    viewing = next((v for v in film.viewings if v.watched_on == watched_on), None)
                    if viewing is None:
                        viewing = Viewing(_new_id(), film.id, (watched_on, published or date.min, 1, line), watched_on, published,
                                          rating, _is_yes(row[rewatch_at]), tags, uri, "reviews")
                        film.viewings.append(viewing)
                        self.export.viewings.append(viewing)
            film.sources.add("reviews")
            film.review_count += 1
            if rating is not None:
                when = watched_on or published or date.min
                if film.review_rating is None or when >= film.review_rating[0]:
                    film.review_rating = (when, rating)
            text = row[review_at].strip()
            self.export.reviews.append((_new_id(), film.id, viewing.id if viewing else None, watched_on, published, rating,
                                        _is_yes(row[rewatch_at]), text, tags, uri))

    def watchlist(self, pf: ParsedFile) -> None:
        c, report = pf.cols, pf.report
        name_at, year_at, uri_at, date_at = c["Name"], c["Year"], c["Letterboxd URI"], c["Date"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            self.export.watchlist.append((line - 1, ident[0], ident[1], _uri(row[uri_at]),
                                          self.date_of(row[date_at], "Date", pf, line)))

    def a_list(self, pf: ParsedFile) -> None:
        list_id = _new_id()
        meta = pf.meta
        entries = []
        c, report = pf.cols, pf.report
        name_at, year_at, position_at, url_at, description_at = c["Name"], c["Year"], c["Position"], c["URL"], c["Description"]
        for line, row in enumerate(pf.rows, start=2):
            ident = self.row_identity(row, name_at, year_at, report, line)
            if ident is None:
                continue
            position = parse_position(row[position_at])
            if position is None:
                if row[position_at].strip():
                    self.warn(report, line, f"position {row[position_at].strip()[:20]!r} not understood; the row's place is used")
                position = len(entries) + 1
            uri = _uri(row[url_at])
            film = self.by_uri.get(uri) if uri else None
            entries.append((list_id, position, ident[0], ident[1], uri,
                            row[description_at].strip() or None, film.id if film else None))
        name = (meta.get("Name") or "").strip() or posixpath.basename(pf.name).removesuffix(".csv")
        self.export.lists.append((list_id, name[:500], (meta.get("Description") or "").strip() or None,
                                  parse_tags(meta.get("Tags")), _uri(meta.get("URL")), parse_date(meta.get("Date")), len(entries)))
        self.export.list_entries.extend(entries)

    # -- derived values
    def finish(self) -> None:
        for film in self.export.films:
            views = film.viewings
            if not views:  # marked watched or rated, never logged
                if film.ratings_rating is not None:
                    film.rating, film.rating_source = film.ratings_rating, "ratings"
                elif film.review_rating is not None:
                    film.rating, film.rating_source = film.review_rating[1], "reviews"
                continue
            if len(views) > 1:
                views.sort(key=_by_order)
            tags: dict[str, None] = {}
            latest_rated: Viewing | None = None
            rewatches = 0
            for index, view in enumerate(views):
                view.is_rewatch = is_rewatch = view.rewatch_flag or index > 0
                rewatches += is_rewatch
                if view.source == "diary" and view.rating is not None:
                    latest_rated = view
                for tag in view.tags:
                    tags.setdefault(tag, None)
            film.rewatch_count = rewatches
            film.tags = list(tags)
            # views are in date order, undated first (``order`` starts with the watched date or date.min)
            film.first_watched_on = next((v.watched_on for v in views if v.watched_on), None)
            film.last_watched_on = next((v.watched_on for v in reversed(views) if v.watched_on), None)
            if latest_rated is not None:
                film.rating, film.rating_source = latest_rated.rating, "diary"
            elif film.ratings_rating is not None:
                film.rating, film.rating_source = film.ratings_rating, "ratings"
            elif film.review_rating is not None:
                film.rating, film.rating_source = film.review_rating[1], "reviews"
