"""What every page's header needs from this app: the notifications link and its unread count."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest

from kineret_pa.accounts.roles import user_is_prescriber

from .models import Notification


class UnreadNotifications:
    """The header's notifications link, worked out only when a template reads it: a page that never shows the
    header (a letter, a redirect, the API) runs no query, and one that shows it runs one count at most.
    Notifications go to a request's owner, and only prescribers own requests and open the notifications page,
    so anyone else gets no link and no query (the prescriber flag comes with the signed-in user)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def shown(self) -> bool:
        return user_is_prescriber(self._request.user)

    @cached_property
    def count(self) -> int:
        if not self.shown:
            return 0
        return Notification.objects.filter(user=self._request.user, read_at__isnull=True).count()


def notifications(request: HttpRequest) -> dict[str, UnreadNotifications]:
    return {"notifications_link": UnreadNotifications(request)}
