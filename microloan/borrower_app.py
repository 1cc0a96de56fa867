"""The borrowers' mobile web app (borrower-app/, built into static/app/): its page at /app/
and the files that must live in the /app/ scope (the service worker, the manifest, the offline
page). The app itself talks to the server only through /api/v1/; these views serve files, and
the page needs no login (the app logs in with a token). Every script and style is a file:
the page has no inline script (the CSP of microloan.middleware.SecurityHeadersMiddleware)."""

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.urls import path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "sw.js": ("sw.js", "text/javascript; charset=utf-8"),
    "manifest.webmanifest": ("manifest.webmanifest", "application/manifest+json"),
    "offline.html": ("offline.html", "text/html; charset=utf-8"),
}


def _read(name: str) -> bytes:
    found = finders.find(f"app/{name}")
    if not found:
        raise Http404("The app is not built (make -C borrower-app, see README).")
    with open(found, "rb") as f:
        return f.read()


@require_safe
@cache_control(no_cache=True)  # the page and the worker name the hashed files: always revalidated
def app_file(request, name: str = ""):
    if name not in FILES:
        raise Http404
    filename, content_type = FILES[name]
    return HttpResponse(_read(filename), content_type=content_type)


urlpatterns = [
    path("app/", app_file, name="borrower-app"),
    path("app/<str:name>", app_file, name="borrower-app-file"),
]
