"""The API's bearer-token authentication: simplejwt's ``JWTAuthentication`` with every one of
its checks (signature, expiry, token type, the user found and active, the token's password
digest against the current password hash, so a password change ends every token issued before
it), and the user's branch read in the same query as the user: the staff's branch-tree scoping
(microloan/scoping.py) reads ``user.branch.path`` on every list and detail, which was a second
query per request (bench/API_RESULTS.md). That query is compiled once (microloan/prepared.py).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from .prepared import Prepared

_users: dict = {}


def _user_with_branch(user_model) -> Prepared:
    # The user by the token's id with its branch: one query, compiled once (microloan/prepared.py).
    prepared = _users.get(user_model)
    if prepared is None:
        prepared = _users[user_model] = Prepared(
            user_model,
            lambda user_id: user_model.objects.select_related("branch").filter(**{api_settings.USER_ID_FIELD: user_id}),
        )
    return prepared


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token):
        # simplejwt's get_user, with the branch in the same query, compiled once.
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(str(_("Token contained no recognizable user identification"))) from e
        found = _user_with_branch(self.user_model).fetch(user_id)
        if not found:
            raise AuthenticationFailed(str(_("User not found")), code="user_not_found")
        user: Any = found[0]
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(str(_("User is inactive")), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(str(_("The user's password has been changed.")), code="password_changed")
        return user


class JWTScheme(SimpleJWTScheme):
    # The OpenAPI security scheme of simplejwt's class (``jwtAuth``), for this one: the schema
    # is unchanged.
    target_class = "microloan.jwt_auth.JWTAuthentication"
