# The taxes app's first migration: empty, so that the models of tax rates and of exemptions can arrive in
# separate migrations that both depend on it.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
