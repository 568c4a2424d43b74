"""The unsubscribe endpoint (a WSGI application) and its suppression store.

from b2bmail.unsubscribe import create_app
application = create_app("/var/lib/b2bmail/suppressions.sqlite", lang="fr")
"""

from b2bmail.unsubscribe.app import UnsubscribeApp, campaign_language, create_app
from b2bmail.unsubscribe.store import Suppression, SuppressionStore, export_suppressions

__all__ = [
    "Suppression",
    "SuppressionStore",
    "UnsubscribeApp",
    "campaign_language",
    "create_app",
    "export_suppressions",
]
