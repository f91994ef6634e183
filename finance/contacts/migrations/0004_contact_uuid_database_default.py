"""On PostgreSQL, the database makes a contact account's uuid when an insert leaves it out (the
Contact import's COPY does: `gen_random_uuid()`, in the server, costs less than Python's
`uuid.uuid4()` per row in the import's own thread). Django still gives one in Python for every
other insert (the field's default)."""

from django.db import migrations


def database_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE contacts_contactaccount ALTER COLUMN uuid SET DEFAULT gen_random_uuid()")


def no_database_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE contacts_contactaccount ALTER COLUMN uuid DROP DEFAULT")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_contact_indexes_where_set")]

    operations = [migrations.RunPython(database_default, no_database_default, elidable=False)]
