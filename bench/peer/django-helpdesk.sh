#!/usr/bin/env bash
# Installs django-helpdesk (PyPI) into a virtualenv, serves it with gunicorn on SQLite,
# and prints the URL and credentials for `jiceng bench peer`. Usage:
#   bench/peer/django-helpdesk.sh            # set up and serve on 127.0.0.1:8000 (foreground)
#   WORKERS=2 PORT=8000 bench/peer/django-helpdesk.sh
set -euo pipefail
DIR="${PEER_DIR:-/tmp/jiceng-peer-helpdesk}"
PORT="${PORT:-8000}"
WORKERS="${WORKERS:-2}"
mkdir -p "$DIR"
cd "$DIR"
if [[ ! -x venv/bin/python ]]; then
  python3 -m venv venv
  venv/bin/pip install --quiet --upgrade pip
  venv/bin/pip install --quiet "django-helpdesk" "djangorestframework" "gunicorn"
fi
if [[ ! -f helpdesksite/manage.py ]]; then
  venv/bin/django-admin startproject helpdesksite
  cat >> helpdesksite/helpdesksite/settings.py <<'PY'

# --- django-helpdesk, as its docs set it up ---
INSTALLED_APPS += ["django.contrib.sites", "django.contrib.humanize", "rest_framework", "rest_framework.authtoken", "helpdesk"]
SITE_ID = 1
HELPDESK_API_ENABLED = True
HELPDESK_TEAMS_MODE_ENABLED = False
# No mail server here: notification e-mails are dropped (jiceng writes its notices to a log).
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# Token auth, like jiceng's bearer tokens (basic auth would hash the password on every request).
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}
ALLOWED_HOSTS = ["*"]
DEBUG = False
PY
  # the helpdesk URLs
  python3 - <<'PY'
p = "helpdesksite/helpdesksite/urls.py"
s = open(p).read()
s = s.replace("from django.urls import path", "from django.urls import include, path")
s = s.replace("urlpatterns = [", "urlpatterns = [\n    path('', include('helpdesk.urls', namespace='helpdesk')),")
open(p, "w").write(s)
PY
  (cd helpdesksite && ../venv/bin/python manage.py migrate --noinput >/dev/null)
  (cd helpdesksite && DJANGO_SUPERUSER_PASSWORD=bench ../venv/bin/python manage.py createsuperuser --noinput --username bench --email bench@example.com >/dev/null)
  (cd helpdesksite && ../venv/bin/python manage.py shell -c "from helpdesk.models import Queue; Queue.objects.get_or_create(title='Appeals', slug='appeals', defaults={'email_address': 'q@example.com'})")
fi
TOKEN=$(cd helpdesksite && ../venv/bin/python manage.py shell -c "from rest_framework.authtoken.models import Token; from django.contrib.auth.models import User; print(Token.objects.get_or_create(user=User.objects.get(username='bench'))[0].key)" | tail -1)
QUEUE=$(cd helpdesksite && ../venv/bin/python manage.py shell -c "from helpdesk.models import Queue; print(Queue.objects.get(slug='appeals').id)" | tail -1)
echo "django-helpdesk on http://127.0.0.1:$PORT/api/tickets/ (queue $QUEUE, $WORKERS gunicorn workers, SQLite)"
echo "measure with: jiceng bench peer --url http://127.0.0.1:$PORT/api/tickets/ --auth-header 'Token $TOKEN' --queue $QUEUE"
cd helpdesksite
exec ../venv/bin/gunicorn helpdesksite.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" --log-level warning
