"""Firebell settings, read from the environment.

Every variable is listed in `.env.example` and `docs/configuration.md`. Defaults work with nothing
set (SQLite and Celery's filesystem broker under `var/`); a bad value stops start-up with a message
that names the variable.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from firebell.broker import PAGING_QUEUE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no.")


def _int(name: str, default: int) -> int:
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


VAR_DIR = Path(env.str("FIREBELL_VAR_DIR", default="") or BASE_DIR / "var").resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = _bool("DEBUG", False)


def _secret_key() -> str:
    configured = env.str("SECRET_KEY", default="")
    if configured:
        return configured
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DEBUG=1 for a "
            "local run."
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[]) or [PUBLIC_BASE_URL]
FIREBELL_REQUIRE_SERVICES = _bool("FIREBELL_REQUIRE_SERVICES", False)
# The public status page (docs/status-page.md): its title.
FIREBELL_STATUS_PAGE_TITLE = env.str("FIREBELL_STATUS_PAGE_TITLE", default="Service status")
# Optional host name that serves only the status page at its root (add it to ALLOWED_HOSTS).
FIREBELL_STATUS_PAGE_HOST = env.str("FIREBELL_STATUS_PAGE_HOST", default="")
# Status page subscribers: e-mails sent per second at most (one sender at a time).
FIREBELL_STATUS_EMAILS_PER_SECOND = _int("FIREBELL_STATUS_EMAILS_PER_SECOND", 10)
if FIREBELL_STATUS_EMAILS_PER_SECOND < 1:
    raise ImproperlyConfigured("FIREBELL_STATUS_EMAILS_PER_SECOND must be at least 1.")
# /metrics (docs/operations.md#metrics): a bearer token, and networks allowed without it.
FIREBELL_METRICS_TOKEN = env.str("FIREBELL_METRICS_TOKEN", default="")


def _networks(name: str, default: str) -> list:
    import ipaddress

    raw = env.str(name, default=default)
    try:
        return [ipaddress.ip_network(item.strip()) for item in raw.split(",") if item.strip()]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc} (a comma-separated list of CIDRs)") from None


FIREBELL_METRICS_ALLOWED_NETWORKS = _networks(
    "FIREBELL_METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "core",
    "accounts",
    "incidents",
    "alerts",
    "oncall",
    "postmortems",
    "moderation",
    "checks",
    "insights",
    "statuspage",
    "monitoring",
    "integrations",
    "integrations.slack",
    "integrations.inbox",
    "setup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (django-csp) and Permissions-Policy on every response.
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.PermissionsPolicyMiddleware",
    # Before everything else: on the status page's own host name, only the status page answers.
    "statuspage.middleware.StatusHostMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle timeout and absolute lifetime of a signed-in session (accounts/middleware.py).
    "accounts.middleware.SessionLifetimeMiddleware",
    # Administrators set up and use two-factor sign-in before anything else (docs/security.md).
    "accounts.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Last: a sign-in refused for too many failures becomes the lockout page (accounts/signin.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "firebell.urls"
WSGI_APPLICATION = "firebell.wsgi.application"
ASGI_APPLICATION = "firebell.asgi.application"

TEMPLATES = [
    {
        # Every page of the app (docs/ui.md): templates/jinja2/, firebell/jinja_env.py.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "firebell.jinja_env.environment"},
    },
    {
        # The Django admin's and the API docs' (drf-spectacular) own templates, from their apps.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'firebell.sqlite3'}"
try:
    DATABASES = {"default": environ.Env.db_url_config(_database_url)}
except Exception as exc:  # django-environ raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if DATABASES["default"].get("ENGINE") not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}:
    # Only the scheme is echoed: the URL may carry a password.
    raise ImproperlyConfigured(
        f"DATABASE_URL has scheme {_database_url.partition(':')[0]!r}; Firebell supports "
        "postgres://user:password@host:5432/name and sqlite:////absolute/path.sqlite3."
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", _int("DATABASE_CONN_MAX_AGE", 60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Django's model permissions, read in one query a request instead of two (core/auth.py).
# django-axes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.auth.SingleQueryModelBackend",
]

# --- Sign-in throttling (django-axes, docs/security.md) ---
FIREBELL_SIGNIN_FAILURE_LIMIT = _int("FIREBELL_SIGNIN_FAILURE_LIMIT", 5)
FIREBELL_SIGNIN_LOCKOUT_MINUTES = _int("FIREBELL_SIGNIN_LOCKOUT_MINUTES", 15)
FIREBELL_PROXY_COUNT = _int("FIREBELL_PROXY_COUNT", 0)
if FIREBELL_SIGNIN_FAILURE_LIMIT < 1 or FIREBELL_SIGNIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured(
        "FIREBELL_SIGNIN_FAILURE_LIMIT and FIREBELL_SIGNIN_LOCKOUT_MINUTES must be at least 1."
    )
# --- Two-factor sign-in (django-otp, docs/security.md) ---
FIREBELL_MFA_REQUIRED_FOR_ADMINS = _bool("FIREBELL_MFA_REQUIRED_FOR_ADMINS", True)
OTP_TOTP_ISSUER = env.str("FIREBELL_MFA_ISSUER", default="Firebell")
# --- Single sign-on: OpenID Connect (mozilla-django-oidc, accounts/oidc.py, docs/security.md) ---
FIREBELL_OIDC_ISSUER = env.str("FIREBELL_OIDC_ISSUER", default="").rstrip("/")
FIREBELL_OIDC_CLIENT_ID = env.str("FIREBELL_OIDC_CLIENT_ID", default="")
FIREBELL_OIDC_CLIENT_SECRET = env.str("FIREBELL_OIDC_CLIENT_SECRET", default="")
FIREBELL_OIDC_SCOPES = env.str("FIREBELL_OIDC_SCOPES", default="openid email profile")
FIREBELL_OIDC_SIGN_ALGO = env.str("FIREBELL_OIDC_SIGN_ALGO", default="RS256")
FIREBELL_OIDC_DEFAULT_GROUP = env.str("FIREBELL_OIDC_DEFAULT_GROUP", default="Viewer")
FIREBELL_OIDC_GROUPS_CLAIM = env.str("FIREBELL_OIDC_GROUPS_CLAIM", default="groups")
FIREBELL_OIDC_BUTTON_LABEL = env.str(
    "FIREBELL_OIDC_BUTTON_LABEL", default="Sign in with single sign-on"
)
FIREBELL_OIDC_SATISFIES_MFA = _bool("FIREBELL_OIDC_SATISFIES_MFA", True)
FIREBELL_PASSWORD_SIGNIN = _bool("FIREBELL_PASSWORD_SIGNIN", True)


def _group_map(raw: str) -> dict[str, str]:
    """`claim-value=Group,other=Group` → {"claim-value": "Group", ...}."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        value, equals, group = item.partition("=")
        if not equals or not value.strip() or not group.strip():
            raise ImproperlyConfigured(
                f"FIREBELL_OIDC_GROUP_MAP item {item!r} is not claim-value=Group "
                "(e.g. sre=Responder,incident-admins=Admin)."
            )
        mapping[value.strip()] = group.strip()
    return mapping


FIREBELL_OIDC_GROUP_MAP = _group_map(env.str("FIREBELL_OIDC_GROUP_MAP", default=""))
OIDC_ENABLED = bool(FIREBELL_OIDC_ISSUER)
if OIDC_ENABLED and not (FIREBELL_OIDC_CLIENT_ID and FIREBELL_OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "FIREBELL_OIDC_ISSUER is set: set FIREBELL_OIDC_CLIENT_ID and FIREBELL_OIDC_CLIENT_SECRET "
        "too (from the provider's client registration)."
    )
if not FIREBELL_PASSWORD_SIGNIN and not OIDC_ENABLED:
    raise ImproperlyConfigured(
        "FIREBELL_PASSWORD_SIGNIN=0 needs single sign-on (FIREBELL_OIDC_ISSUER): "
        "nobody could sign in."
    )
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "accounts.oidc.FirebellOIDCBackend"]
OIDC_RP_CLIENT_ID = FIREBELL_OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = FIREBELL_OIDC_CLIENT_SECRET
OIDC_RP_SIGN_ALGO = FIREBELL_OIDC_SIGN_ALGO
OIDC_RP_SCOPES = FIREBELL_OIDC_SCOPES
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = 10
OIDC_CREATE_USER = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"

AXES_FAILURE_LIMIT = FIREBELL_SIGNIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=FIREBELL_SIGNIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = "accounts.signin.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "accounts.signin.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.signin.signin_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incidents:board"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security: safe unless told otherwise --------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions (docs/security.md): signed out after this long without activity, and in any case this
# long after signing in. The cookie never outlives the absolute lifetime.
FIREBELL_SESSION_IDLE_MINUTES = _int("FIREBELL_SESSION_IDLE_MINUTES", 720)
FIREBELL_SESSION_MAX_HOURS = _int("FIREBELL_SESSION_MAX_HOURS", 168)
if FIREBELL_SESSION_IDLE_MINUTES < 1 or FIREBELL_SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured(
        "FIREBELL_SESSION_IDLE_MINUTES and FIREBELL_SESSION_MAX_HOURS must be at least 1."
    )
SESSION_COOKIE_AGE = FIREBELL_SESSION_MAX_HOURS * 3600
_https = PUBLIC_BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", _https)
CSRF_COOKIE_SECURE = _bool("CSRF_COOKIE_SECURE", _https)
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = 31_536_000 if _bool("SECURE_HSTS", False) else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Content-Security-Policy (django-csp, docs/security.md): scripts and styles from our own origin
# only — no inline <script>, no on*= handlers, no style="" attributes, no eval (htmx's allowEval
# is off, base.html). FIREBELL_CSP_REPORT_ONLY=1 sends it as Content-Security-Policy-Report-Only
# (browsers report, nothing is blocked) to try it on an installation first.
FIREBELL_CSP_REPORT_ONLY = _bool("FIREBELL_CSP_REPORT_ONLY", False)
FIREBELL_CSP_REPORT_URI = env.str("FIREBELL_CSP_REPORT_URI", default="/csp-report/")
_csp = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [FIREBELL_CSP_REPORT_URI]} if FIREBELL_CSP_REPORT_URI else {}),
    }
}
CONTENT_SECURITY_POLICY = None if FIREBELL_CSP_REPORT_ONLY else _csp
CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp if FIREBELL_CSP_REPORT_ONLY else None
# Features no page of Firebell uses are switched off for it and anything it embeds; the copy
# buttons use the clipboard of their own page.
FIREBELL_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "clipboard-read=(self), clipboard-write=(self), fullscreen=(self)"
)

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # API tokens are stored as hashes (accounts/models.py); `Token` or `Bearer` keyword.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Firebell API",
    "DESCRIPTION": "Incident management: incidents, services, severities, roles.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`: name the post-mortem ones so the schema's names are stable.
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "PostmortemStatusEnum": "postmortems.models.PostmortemStatus",
        "ActionItemStatusEnum": "postmortems.models.ActionItemStatus",
    },
}

# --- Celery ---
# Empty means the embedded broker (kombu would read "" as amqp://localhost): one machine only.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
if not CELERY_BROKER_URL:
    # Messages as files under var/broker/, written atomically (firebell/broker.py).
    from firebell.broker import broker_options

    CELERY_BROKER_URL = "filesystem://localhost/"  # a host name, or kombu warns at every publish
    CELERY_BROKER_TRANSPORT = "firebell.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = broker_options(VAR_DIR / "broker")
    # Remote control would add a broadcast queue per process that nobody empties.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Two queues (README "Production"): `paging` carries escalation steps, the tick and page
# deliveries, so an alert storm filling the default queue never holds up a page; production runs
# a worker on each. A worker given both (`-Q paging,celery`, as `make run`'s) always looks at
# `paging` first (firebell.broker.PagingFirstCycle, and the embedded broker's own order).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue(PAGING_QUEUE), Queue(CELERY_TASK_DEFAULT_QUEUE))
CELERY_TASK_ROUTES = {"oncall.tasks.*": {"queue": PAGING_QUEUE}}
CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] = "firebell.broker:PagingFirstCycle"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each due job is claimed in the database before it is sent, so two beats (README "Production")
# send it once between them.
CELERY_BEAT_SCHEDULER = "core.beat:ClaimingScheduler"
# Every periodic job lives here, in one schedule.
CELERY_BEAT_SCHEDULE = {
    # One heartbeat per queue: /readyz tells a dead paging worker from a dead default worker.
    "worker-heartbeat": {"task": "core.tasks.worker_heartbeat_task", "schedule": 15.0},
    "paging-worker-heartbeat": {
        "task": "core.tasks.worker_heartbeat_task",
        "schedule": 15.0,
        "args": (PAGING_QUEUE,),
        "options": {"queue": PAGING_QUEUE},
    },
    # On-call: queue due escalation steps, reminders, ack timeouts and deliveries (paging queue).
    "escalation-tick": {"task": "oncall.tasks.escalation_tick_task", "schedule": 1.0},
    "alert-deliveries-sweep": {"task": "alerts.tasks.deliveries_sweep_task", "schedule": 5.0},
    # Slack app: archive channels of closed incidents, re-queue requests whose task was lost.
    "slack-sweep": {"task": "integrations.slack.tasks.slack_sweep_task", "schedule": 30.0},
    # Post-mortems: reminders to owners (due soon, overdue), admins' daily overdue list, overdue
    # action items once a day; each keyed so a run repeated adds nothing (postmortems/reminders.py).
    "postmortem-reminders": {
        "task": "postmortems.tasks.postmortem_reminders_task",
        "schedule": 300.0,
    },
    # Moderation: send due webhook deliveries, lift suspensions whose end has passed.
    "moderation-deliveries-sweep": {
        "task": "moderation.tasks.deliveries_sweep_task",
        "schedule": 10.0,
    },
    "moderation-suspensions-expire": {
        "task": "moderation.tasks.suspensions_expire_task",
        "schedule": 30.0,
    },
    # Health checks (docs/checks.md): overdue heartbeats → late/down; due HTTP polls → workers.
    "checks-heartbeats-sweep": {"task": "checks.tasks.heartbeats_sweep_task", "schedule": 2.0},
    "checks-polls-dispatch": {"task": "checks.tasks.polls_dispatch_task", "schedule": 1.0},
    "checks-results-prune": {"task": "checks.tasks.results_prune_task", "schedule": 3600.0},
    # Status page: mail public updates left in the outbox (rate-bounded, one sender at a time).
    "statuspage-outbox-send": {"task": "statuspage.tasks.outbox_send_task", "schedule": 10.0},
    # Audit log: delete entries past FIREBELL_AUDIT_RETENTION_DAYS (idempotent, batched).
    "audit-log-prune": {"task": "accounts.tasks.audit_log_prune_task", "schedule": 3600.0},
}
WORKER_HEARTBEAT_MAX_AGE_SECONDS = _int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 90)

# --- Audit log ---
# Entries older than this are deleted by the beat job accounts.tasks.audit_log_prune_task.
FIREBELL_AUDIT_RETENTION_DAYS = _int("FIREBELL_AUDIT_RETENTION_DAYS", 365)
if FIREBELL_AUDIT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("FIREBELL_AUDIT_RETENTION_DAYS must be at least 1.")
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Secrets in URLs (intake keys, feed tokens) are cut short in every line (core/log_masking.py).
    "filters": {"mask_secrets": {"()": "core.log_masking.SecretMaskingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every sign-in ("Deleted 0 failed login attempts") at INFO; lockouts
        # are warnings, and the audit log has every sign-in event.
        "axes": {"level": "WARNING"},
        # Django's defaults give these their own handlers (unmasked): route them through ours.
        "django": {"handlers": ["console"], "propagate": False},
        "django.server": {"handlers": ["console"], "propagate": False},
    },
}

# --- On-call: notification channels (docs/oncall.md) -----------------------------------------
# Each channel is one module under integrations/, loaded lazily by dotted path (like EMAIL_BACKEND).
FIREBELL_NOTIFICATION_CHANNELS = {
    "inbox": "integrations.inbox.channel.InboxChannel",
    "email": "integrations.email.channel.EmailChannel",
    "slack": "integrations.slack.channel.SlackChannel",
    "pagerduty": "integrations.pagerduty.channel.PagerDutyChannel",
    "webhook": "integrations.webhook.channel.WebhookChannel",
    "sms": "integrations.sms.channel.SmsChannel",
    "voice": "integrations.sms.channel.VoiceChannel",
}
FIREBELL_PAGE_MAX_ATTEMPTS = _int("FIREBELL_PAGE_MAX_ATTEMPTS", 5)
FIREBELL_PAGE_RETRY_BASE_SECONDS = _int("FIREBELL_PAGE_RETRY_BASE_SECONDS", 30)
FIREBELL_PAGE_LEASE_SECONDS = _int("FIREBELL_PAGE_LEASE_SECONDS", 12)
FIREBELL_PAGE_REQUEUE_SECONDS = _int("FIREBELL_PAGE_REQUEUE_SECONDS", 15)
FIREBELL_ACK_REMINDER_MINUTES = _int("FIREBELL_ACK_REMINDER_MINUTES", 30)
FIREBELL_NOTIFY_TIMEOUT_SECONDS = _int("FIREBELL_NOTIFY_TIMEOUT_SECONDS", 10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="firebell@localhost")
# A local run (DEBUG) writes each e-mail to a file under var/mail/ instead of needing a mail
# server; production sends by SMTP. EMAIL_BACKEND overrides either.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.filebased.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = _int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", False)
SLACK_BOT_TOKEN = env.str("SLACK_BOT_TOKEN", default="")
SLACK_API_URL = env.str("SLACK_API_URL", default="https://slack.com/api/")
# The Slack app (docs/slack.md): off until a signing secret is set.
SLACK_SIGNING_SECRET = env.str("SLACK_SIGNING_SECRET", default="")
SLACK_COMMAND = env.str("SLACK_COMMAND", default="/incident")
SLACK_CHANNEL_ARCHIVE_HOURS = _int("SLACK_CHANNEL_ARCHIVE_HOURS", 24)
PAGERDUTY_ROUTING_KEY = env.str("PAGERDUTY_ROUTING_KEY", default="")
PAGERDUTY_EVENTS_URL = env.str("PAGERDUTY_EVENTS_URL", default="https://events.pagerduty.com")
OUTGOING_WEBHOOK_URL = env.str("OUTGOING_WEBHOOK_URL", default="")
OUTGOING_WEBHOOK_SECRET = env.str("OUTGOING_WEBHOOK_SECRET", default="")
SMS_API_URL = env.str("SMS_API_URL", default="")
SMS_ACCOUNT_SID = env.str("SMS_ACCOUNT_SID", default="")
SMS_AUTH_TOKEN = env.str("SMS_AUTH_TOKEN", default="")
SMS_FROM_NUMBER = env.str("SMS_FROM_NUMBER", default="")

# --- Insights (docs/insights.md) --------------------------------------------------------------
# How long a report's figures are reused for the same filters (0: computed on every request).
FIREBELL_INSIGHTS_CACHE_SECONDS = _int("FIREBELL_INSIGHTS_CACHE_SECONDS", 60)
if FIREBELL_INSIGHTS_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("FIREBELL_INSIGHTS_CACHE_SECONDS must be 0 or more.")

# --- Moderation (docs/moderation.md) ----------------------------------------------------------
# Where decisions are sent (JSON, signed with HMAC-SHA256); empty keeps them stored until set.
FIREBELL_MODERATION_WEBHOOK_URL = env.str("FIREBELL_MODERATION_WEBHOOK_URL", default="")
FIREBELL_MODERATION_WEBHOOK_SECRET = env.str("FIREBELL_MODERATION_WEBHOOK_SECRET", default="")
FIREBELL_MODERATION_CLAIM_MINUTES = _int("FIREBELL_MODERATION_CLAIM_MINUTES", 5)
FIREBELL_MODERATION_DELIVERY_MAX_ATTEMPTS = _int("FIREBELL_MODERATION_DELIVERY_MAX_ATTEMPTS", 10)
FIREBELL_MODERATION_RETRY_BASE_SECONDS = _int("FIREBELL_MODERATION_RETRY_BASE_SECONDS", 10)
