# Tax-exemption certificates, customers' company details and the tax report's admin entry (helper taxb2b, issue 7).

import comptoir.taxes.exemption_models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ('orders', '0001_initial'),
        ('taxes', '0002_taxcore_rates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TaxReport',
            fields=[
            ],
            options={
                'verbose_name': 'tax report',
                'verbose_name_plural': 'tax report',
                'proxy': True,
                'default_permissions': ('view',),
                'indexes': [],
                'constraints': [],
            },
            bases=('orders.order',),
        ),
        migrations.CreateModel(
            name='CustomerTaxProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('company_name', models.CharField(blank=True, default='', max_length=255, verbose_name='company name')),
                ('vat_number', models.CharField(blank=True, default='', max_length=20, verbose_name='VAT number')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='tax_profile', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'customer tax profile',
                'verbose_name_plural': 'customer tax profiles',
            },
        ),
        migrations.CreateModel(
            name='TaxExemptionCertificate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(blank=True, default='', help_text='For a certificate entered by staff without an account: applies to the customer account signed in with this address.', max_length=254, verbose_name='e-mail')),
                ('company_name', models.CharField(blank=True, default='', max_length=255, verbose_name='company name')),
                ('tax_id', models.CharField(blank=True, default='', max_length=40, verbose_name='VAT or tax id')),
                ('number', models.CharField(max_length=60, verbose_name='certificate number')),
                ('regions', models.JSONField(default=list, help_text='Countries ("FR") and states or regions ("US-CA", "US-NY") where purchases are exempt.', verbose_name='regions covered')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('valid_until', models.DateField(blank=True, help_text='Empty: no end date.', null=True, verbose_name='valid until')),
                ('document', models.FileField(blank=True, storage=comptoir.taxes.exemption_models.private_storage, upload_to=comptoir.taxes.exemption_models.certificate_upload_path, verbose_name='certificate (PDF or image)')),
                ('document_type', models.CharField(blank=True, default='', editable=False, max_length=40)),
                ('status', models.CharField(choices=[('pending', 'Awaiting review'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='pending', max_length=10, verbose_name='status')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed')),
                ('rejection_reason', models.TextField(blank=True, default='', max_length=1000, verbose_name='reason given to the customer')),
                ('notes', models.TextField(blank=True, default='', verbose_name='staff notes')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='submitted')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='tax_exemption_certificates', to=settings.AUTH_USER_MODEL, verbose_name='customer account')),
            ],
            options={
                'verbose_name': 'tax-exemption certificate',
                'verbose_name_plural': 'tax-exemption certificates',
                'ordering': ['-created_at', '-pk'],
                'permissions': [('review_taxexemptioncertificate', 'Can approve or reject tax-exemption certificates')],
                'indexes': [models.Index(fields=['user', 'status'], name='taxes_exemption_user_idx'), models.Index(fields=['email', 'status'], name='taxes_exemption_email_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('valid_until__isnull', True), ('valid_until__gte', models.F('valid_from')), _connector='OR'), name='taxes_exemption_valid_until_after_from'), models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'approved', 'rejected'])), name='taxes_exemption_status'), models.CheckConstraint(condition=models.Q(('email', ''), ('user__isnull', True), _negated=True), name='taxes_exemption_has_holder')],
            },
        ),
    ]
