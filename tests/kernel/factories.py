"""factory_boy factories of the kernel's records: branches and users."""

import factory

from microloan.models import Branch, Role, User

PASSWORD = "pw-12345"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    code = factory.Sequence(lambda n: f"B{n:04d}")
    name = factory.Sequence(lambda n: f"Branch {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OFFICER
    branch = factory.SubFactory(BranchFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def enrolled(user):
    """A confirmed authenticator (TOTP device) for ``user``; ``twofactor.current_code`` reads
    what its app would show."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def login_verified(client, user):
    """``client.force_login`` for a session the second factor verified too, as the Django admin
    wants (microloan/admin.py): the user gets an authenticator and the session names it."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = enrolled(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def administrators(branch=None, n: int = 2):
    """``n`` system administrators: one proposes a configuration change, another applies it."""
    return [UserFactory(role=Role.ADMIN, branch=branch or BranchFactory()) for _ in range(n)]
