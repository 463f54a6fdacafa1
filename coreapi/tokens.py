"""User JWTs: HS256 only, audience-bound, short-lived, with exp/aud/sub/iat required."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import jwt

from coreapi.clock import utcnow
from coreapi.config import AUDIENCE
from coreapi.errors import unauthorized

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "aud", "sub", "iat"]


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


class TokenIssuer:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self._secret = secret
        self.ttl_s = ttl_s

    def issue(self, user_id: int) -> IssuedToken:
        now = utcnow()
        claims = {
            "sub": str(user_id),
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + timedelta(seconds=self.ttl_s),
        }
        return IssuedToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), self.ttl_s)

    def user_id(self, token: str) -> int:
        """The user id a token speaks for, or a 401 saying what is wrong with it."""
        try:
            # `algorithms` pins HS256: "none", HS512 and RS256-with-the-secret-as-public-key all fail here.
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": REQUIRED_CLAIMS},
                leeway=5,
            )
        except jwt.ExpiredSignatureError:
            raise unauthorized("token expired; get a new one") from None
        except jwt.MissingRequiredClaimError as exc:
            raise unauthorized(f"invalid token: missing claim {exc.claim!r}") from None
        except jwt.InvalidAudienceError:
            raise unauthorized(f"invalid token: audience must be {AUDIENCE!r}") from None
        except jwt.InvalidAlgorithmError:
            raise unauthorized(f"invalid token: only {ALGORITHM} is accepted") from None
        except jwt.InvalidTokenError:
            raise unauthorized("invalid token") from None
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub.isdigit():
            raise unauthorized("invalid token: sub must be a user id")
        return int(sub)
