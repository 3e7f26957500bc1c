"""The sandbox's world: sites, companies, users, and each company's books, built on first use.

Building a company's books takes a second or two (more at 50,000 customers), so nothing is built
until a request needs it; ``warm`` builds them all in the background when a caller prefers that.
"""

from __future__ import annotations

import gc
import threading
from datetime import date

from sage200_mcp.sandbox.seed import build_books
from sage200_mcp.sandbox.seed.companies import CompanyPlan, SitePlan, UserPlan, site_plans
from sage200_mcp.sandbox.shape import Postings, cost_centres_for
from sage200_mcp.sandbox.store import Store


class World:
    def __init__(
        self,
        seed: int,
        customers: int,
        today: date,
        postings: Postings = "daily",
        cost_centres: int | None = None,
        unbalanced: bool = False,
    ) -> None:
        """``cost_centres`` None: as many as the main company's size suggests (shape.py);
        ``unbalanced``: the main company's trial balance out by a one-sided posting."""
        self.seed = seed
        self.today = today
        self.sites: tuple[SitePlan, ...] = site_plans(
            customers, postings, cost_centres_for(customers, cost_centres), unbalanced
        )
        self._companies = {
            company.id: (site, company) for site in self.sites for company in site.companies
        }
        self._books: dict[int, Store] = {}
        self._locks = {company_id: threading.Lock() for company_id in self._companies}

    def company(self, site_id: str, company_id: int) -> CompanyPlan | None:
        found = self._companies.get(company_id)
        if found is None or found[0].id.lower() != site_id.lower():
            return None
        return found[1]

    def reachable(self, user: UserPlan) -> list[tuple[SitePlan, CompanyPlan]]:
        return [
            (site, company)
            for site in self.sites
            for company in site.companies
            if company.id in user.companies
        ]

    def books(self, company_id: int) -> Store:
        store = self._books.get(company_id)
        if store is not None:
            return store
        with self._locks[company_id]:
            store = self._books.get(company_id)
            if store is None:
                _, plan = self._companies[company_id]
                store = self._books[company_id] = build_books(plan, self.seed, self.today)
        return store

    @property
    def ready(self) -> bool:
        """Whether every company's books are built (requests no longer wait for them)."""
        return len(self._books) == len(self._companies)

    def warm(self) -> threading.Thread:
        """Build every company's books on a background thread.

        Then freeze what exists: the books are hundreds of thousands of objects that live as
        long as the process, and the cyclic collector re-walking them stalled requests by tens
        of milliseconds at random (bench/ figure 2).
        """

        def build_all() -> None:
            for company_id in self._companies:
                self.books(company_id)
            gc.freeze()

        thread = threading.Thread(target=build_all, name="sandbox-books", daemon=True)
        thread.start()
        return thread
