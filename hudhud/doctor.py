"""`hudhud doctor`: every check that can be made from here, each failure with its next step.

Meta's side (per live number): the access token (valid? permanent or about to expire? allowed to send?),
the number itself, the app's subscription to the WhatsApp Business Account, and the app secret (an app
access token made with it must be accepted by Graph). Our side: settings, Redis and its persistence, our
own webhook against a request signed with the app secret, the core API and its service token, Chroma, and
the model endpoint. The next steps point into docs/going-live.md and docs/troubleshooting.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from base.bots import BotConfig
from base.settings import Settings
from channels.whatsapp.signature import sign

GUIDE = "docs/going-live.md"
TOKEN_STEP = f"{GUIDE}#a-permanent-access-token"
NUMBER_STEP = f"{GUIDE}#the-phone-number-id"
SUBSCRIBE_STEP = f"{GUIDE}#subscribe-the-app-and-the-messages-field"
URL_STEP = f"{GUIDE}#a-public-https-url"
EXPIRY_WARNING_S = 7 * 24 * 3600  # a token expiring sooner is a temporary one about to stop the bot
SEND_SCOPE = "whatsapp_business_messaging"
MANAGE_SCOPE = "whatsapp_business_management"
# A delivery that names no message: our webhook checks its signature, parses it, and queues nothing.
EMPTY_DELIVERY = b'{"object":"whatsapp_business_account","entry":[]}'


@dataclass
class Check:
    name: str
    ok: bool | None  # None: a warning, not a failure
    detail: str
    fix: str = ""  # the next step, when not ok


@dataclass
class TokenInfo:
    """What Graph's debug_token says of an access token."""

    valid: bool
    app_id: str | None
    kind: str | None  # SYSTEM_USER, USER, PAGE...
    expires_at: int  # unix time; 0: never
    scopes: list[str]
    waba_ids: list[str]  # the WhatsApp Business Accounts the token was granted


class MetaChecks:
    """The checks that ask Graph, with one HTTP client."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings, now: Callable[[], float] = time.time):
        self.http = http
        self.base = settings.whatsapp.api_base
        self.secret = settings.whatsapp.app_secret
        self.now = now
        self._apps_checked: set[str] = set()

    async def bot(self, bot: BotConfig) -> list[Check]:
        assert bot.access_token is not None
        token = bot.access_token.get_secret_value()
        name = f"whatsapp {bot.phone_number_id}"
        try:
            info = await self._debug_token(token)
        except httpx.HTTPError as exc:
            return [
                Check(
                    name,
                    False,
                    f"live: Graph unreachable: {exc}",
                    "check the network path to Graph (a proxy, a firewall) and WHATSAPP_API_BASE",
                )
            ]
        checks = [self._token_check(name, info)]
        if not info.valid:
            return checks
        checks.append(await self._number_check(name, bot, token))
        checks.extend(await self._subscription_checks(name, info, token))
        if info.app_id and info.app_id not in self._apps_checked:
            self._apps_checked.add(info.app_id)
            checks.append(await self._app_secret_check(info.app_id))
        return checks

    async def _get(self, path: str, bearer: str, **params: str) -> httpx.Response:
        return await self.http.get(
            f"{self.base}/{path}", params=params, headers={"Authorization": f"Bearer {bearer}"}
        )

    async def _debug_token(self, token: str) -> TokenInfo:
        r = await self._get("debug_token", token, input_token=token)
        data = _json(r).get("data") or {}
        if r.status_code != 200 or not isinstance(data, dict):
            return TokenInfo(False, None, None, 0, [], [])
        granular = data.get("granular_scopes") or []
        wabas = {
            str(target)
            for grant in granular
            if grant.get("scope") in (SEND_SCOPE, MANAGE_SCOPE)
            for target in grant.get("target_ids") or []
        }
        return TokenInfo(
            valid=bool(data.get("is_valid")),
            app_id=str(data["app_id"]) if data.get("app_id") else None,
            kind=data.get("type"),
            expires_at=int(data.get("expires_at") or 0),
            scopes=list(data.get("scopes") or []),
            waba_ids=sorted(wabas),
        )

    def _token_check(self, name: str, info: TokenInfo) -> Check:
        check = f"{name} token"
        if not info.valid:
            return Check(
                check,
                False,
                "Graph says the access token is invalid, expired or revoked",
                f"create a permanent system-user token ({TOKEN_STEP})"
                " and set it (WHATSAPP_ACCESS_TOKEN or the bot's access_token_env)",
            )
        if SEND_SCOPE not in info.scopes:
            return Check(
                check,
                False,
                f"the token lacks the {SEND_SCOPE} permission",
                f"give the system user the app and the WABA, and generate the token with"
                f" {SEND_SCOPE} and {MANAGE_SCOPE} ({TOKEN_STEP})",
            )
        if info.expires_at == 0:
            return Check(check, True, f"valid, never expires ({info.kind or 'unknown type'})")
        left = info.expires_at - self.now()
        when = datetime.fromtimestamp(info.expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        if left <= 0:
            return Check(
                check, False, f"expired at {when}", f"create a permanent system-user token ({TOKEN_STEP})"
            )
        return Check(
            check,
            None if left < EXPIRY_WARNING_S else True,
            f"valid until {when} ({info.kind or 'unknown type'}): the bot stops then",
            f"a temporary token lasts 24 hours: create a permanent system-user token ({TOKEN_STEP})",
        )

    async def _number_check(self, name: str, bot: BotConfig, token: str) -> Check:
        fields = "id,display_phone_number,verified_name,code_verification_status"
        r = await self._get(bot.phone_number_id, token, fields=fields)
        body = _json(r)
        if r.status_code != 200:
            return Check(
                f"{name} number",
                False,
                f"Graph answered {r.status_code}: {_graph_error(body)}",
                "check WHATSAPP_PHONE_NUMBER_ID (WhatsApp > API Setup in the Meta app) and that the"
                f" token was granted this number's WABA ({NUMBER_STEP})",
            )
        shown = f"{body.get('display_phone_number', '?')} ({body.get('verified_name', 'no display name')})"
        return Check(f"{name} number", True, f"live (profile {bot.profile}): {shown}")

    async def _subscription_checks(self, name: str, info: TokenInfo, token: str) -> list[Check]:
        check = f"{name} subscription"
        if not info.waba_ids:
            return [
                Check(
                    check,
                    None,
                    "the token names no WhatsApp Business Account: not checked",
                    f"generate the token with {MANAGE_SCOPE} on the WABA",
                )
            ]
        checks = []
        for waba in info.waba_ids:
            r = await self._get(f"{waba}/subscribed_apps", token)
            apps = [
                str((entry.get("whatsapp_business_api_data") or entry).get("id"))
                for entry in _json(r).get("data") or []
            ]
            if r.status_code != 200:
                checks.append(
                    Check(
                        check,
                        False,
                        f"WABA {waba}: Graph answered {r.status_code}",
                        f"grant the token {MANAGE_SCOPE} on WABA {waba}",
                    )
                )
            elif info.app_id in apps:
                checks.append(Check(check, True, f"the app {info.app_id} is subscribed to WABA {waba}"))
            else:
                checks.append(
                    Check(
                        check,
                        False,
                        f"the app {info.app_id} is not subscribed to WABA {waba}: no webhook will arrive",
                        f"POST /{waba}/subscribed_apps with the token ({SUBSCRIBE_STEP})",
                    )
                )
        return checks

    async def _app_secret_check(self, app_id: str) -> Check:
        check = f"app secret ({app_id})"
        if self.secret is None:
            return Check(
                check,
                None,
                "WHATSAPP_APP_SECRET is not set: webhook signatures are not checked",
                "set it from App settings > Basic > App secret",
            )
        # An app access token is `<app id>|<app secret>`: Graph accepts it only with the right secret.
        r = await self._get(app_id, f"{app_id}|{self.secret.get_secret_value()}", fields="id,name")
        if r.status_code == 200:
            return Check(check, True, f"Graph accepts it for the app {_json(r).get('name') or app_id}")
        return Check(
            check,
            False,
            f"Graph refuses it: {_graph_error(_json(r))}",
            "copy the secret again from App settings > Basic > App secret into"
            " WHATSAPP_APP_SECRET (a reset voids the old one: docs/operations.md)",
        )


async def own_webhook_check(http: httpx.AsyncClient, settings: Settings) -> Check:
    """A request signed with the app secret to our own webhook: 200, and an unsigned one: 401."""
    url = settings.whatsapp.webhook_url or f"{settings.admin.service_url.rstrip('/')}/webhook/whatsapp"
    name = "webhook signature"
    if settings.whatsapp.app_secret is None:
        return Check(name, None, "WHATSAPP_APP_SECRET is not set: nothing to sign with", "set it")
    secret = settings.whatsapp.app_secret.get_secret_value().encode()
    headers = {"content-type": "application/json"}
    try:
        signed = await http.post(
            url,
            content=EMPTY_DELIVERY,
            headers={**headers, "x-hub-signature-256": sign(secret, EMPTY_DELIVERY)},
        )
        unsigned = await http.post(url, content=EMPTY_DELIVERY, headers=headers)
    except httpx.HTTPError as exc:
        return Check(
            name,
            None,
            f"{url} unreachable ({type(exc).__name__}): not checked",
            "start the service (`hudhud serve`) or set WEBHOOK_URL to its public URL",
        )
    if signed.status_code == 200 and unsigned.status_code == 401:
        return Check(name, True, f"{url} takes a request signed with the app secret, refuses an unsigned one")
    if signed.status_code == 401:
        return Check(
            name,
            False,
            f"{url} refuses a request signed with this WHATSAPP_APP_SECRET",
            "the service runs with another app secret: give it this one and restart it",
        )
    return Check(
        name,
        False,
        f"{url}: signed {signed.status_code}, unsigned {unsigned.status_code}",
        f"point WEBHOOK_URL at https://<host>/webhook/whatsapp ({URL_STEP})",
    )


async def core_api_check(http: httpx.AsyncClient, settings: Settings) -> Check:
    url = settings.core.url
    if not url:
        return Check("core API", True, "not configured: `hudhud up` serves the reference one under /core")
    base = url.rstrip("/")
    try:
        health = await http.get(f"{base}/healthz")
        token = settings.core.token.get_secret_value() if settings.core.token else ""
        probe = await http.get(f"{base}/links/10000000000", headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        return Check(
            "core API", False, f"{base} unreachable: {exc}", "start it (`hudhud coreapi`) or fix CORE_API_URL"
        )
    if health.status_code != 200:
        return Check(
            "core API",
            False,
            f"{base}/healthz answered {health.status_code}",
            "see the core API's log: its database may be down",
        )
    if probe.status_code in (401, 403):
        return Check(
            "core API",
            False,
            f"{base} refuses the service token",
            "HUDHUD_CORE_API_TOKEN must equal the core API's COREAPI_SERVICE_TOKEN",
        )
    if probe.status_code == 503:
        return Check(
            "core API",
            False,
            f"{base} has no service token configured",
            "set COREAPI_SERVICE_TOKEN on the core API to HUDHUD_CORE_API_TOKEN",
        )
    database = _json(health).get("database", "?")
    return Check("core API", True, f"{base}: healthy ({database}), the service token is accepted")


async def chroma_check(http: httpx.AsyncClient, settings: Settings) -> Check:
    url = settings.memory.chroma_url
    if not url:
        path = settings.runtime.data_dir / "chroma"
        made = "" if path.exists() else " (created at start)"
        return Check("chroma", True, f"embedded under {path}{made}")
    try:
        r = await http.get(f"{url.rstrip('/')}/api/v2/heartbeat")
    except httpx.HTTPError as exc:
        return Check(
            "chroma",
            False,
            f"{url} unreachable: {exc}",
            "start the Chroma server (compose: the chroma service) or fix CHROMA_URL",
        )
    if r.status_code != 200:
        return Check("chroma", False, f"{url} answered {r.status_code}", "is CHROMA_URL a Chroma 1.x server?")
    return Check("chroma", True, f"{url}: the server answers")


async def model_endpoint_check(http: httpx.AsyncClient, settings: Settings) -> Check | None:
    """One token from the configured endpoint (None when the model is embedded or not used)."""
    model = settings.model
    if settings.runtime.responder != "agent" or not (model.base_url or model.api_key):
        return None
    base = (model.base_url or "https://api.openai.com/v1").rstrip("/")
    key = model.api_key.get_secret_value() if model.api_key else "none"
    ping = [{"role": "user", "content": "ping"}]
    body = {"model": model.name or "default", "messages": ping, "max_tokens": 1}
    started = time.monotonic()
    try:
        r = await http.post(
            f"{base}/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
            timeout=model.timeout_s,
        )
    except httpx.HTTPError as exc:
        return Check(
            "model endpoint",
            False,
            f"{base} unreachable: {type(exc).__name__} {exc}",
            "start the model server (compose: the model service) or fix OPENAI_BASE_URL",
        )
    ms = round((time.monotonic() - started) * 1000)
    if r.status_code in (401, 403):
        return Check(
            "model endpoint", False, f"{base} refuses the key ({r.status_code})", "check OPENAI_API_KEY"
        )
    if r.status_code == 404:
        return Check(
            "model endpoint",
            False,
            f"{base}: no model {model.name!r} (404)",
            "set HUDHUD_MODEL to a model the server serves",
        )
    if r.status_code != 200:
        return Check(
            "model endpoint", False, f"{base} answered {r.status_code}", "see the model server's log"
        )
    return Check("model endpoint", True, f"{base} answered in {ms} ms ({model.name or 'default model'})")


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(r.content)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def _graph_error(body: dict[str, Any]) -> str:
    error = body.get("error") or {}
    code = error.get("code")
    message = error.get("message") or "no message"
    return f"({code}) {message}; see docs/troubleshooting.md" if code else message
