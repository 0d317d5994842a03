"""Existing DRF authtoken keys become hashed ApiTokens; the plain keys are deleted.

Each key keeps working (its SHA-256 is what is looked up now), and the `authtoken_token` table is
left empty. Reversing is impossible: the keys are gone, so the reverse step does nothing and
people issue new tokens.
"""

import hashlib

from django.db import migrations


def tokens_hash(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in Token.objects.all().iterator():
        ApiToken.objects.update_or_create(
            user_id=token.user_id,
            defaults={
                "key_hash": hashlib.sha256(token.key.encode()).hexdigest(),
                "key_prefix": token.key[:8],
                "created_at": token.created,
            },
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(tokens_hash, migrations.RunPython.noop)]
