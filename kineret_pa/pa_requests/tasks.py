"""Background work, through the django-tasks backport of Django's tasks framework.

In development the immediate backend runs a task on the spot; in production the database
backend queues it and `manage.py db_worker` sends it, outside any web request.
"""

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def notification_email_send(recipient: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
