"""Customer service becomes its own app. Its four tables were created by
servicing/migrations/0004_customer_care.py and keep their names (``db_table``): this
migration only tells Django's state that the models now live here, so no data moves."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0004_product_prepayment_mode'),
        ('microloan', '0005_notifications'),
        ('servicing', '0005_customer_care_moves_to_care'),
        ('underwriting', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Complaint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('phone', 'Phone'), ('branch', 'At the branch'), ('app', 'Mobile app'), ('letter', 'Letter'), ('regulator', 'Regulator referral')], max_length=12, verbose_name='channel')),
                        ('category', models.CharField(choices=[('collection_conduct', 'Collection conduct'), ('fees', 'Fees and charges'), ('service', 'Service'), ('data_privacy', 'Data and privacy'), ('other', 'Other')], max_length=20, verbose_name='category')),
                        ('description', models.TextField(verbose_name='description')),
                        ('received_on', models.DateField(verbose_name='received on')),
                        ('ack_due_on', models.DateField(verbose_name='acknowledge by')),
                        ('resolve_due_on', models.DateField(verbose_name='resolve by')),
                        ('acknowledged_on', models.DateField(blank=True, null=True, verbose_name='acknowledged on')),
                        ('resolved_on', models.DateField(blank=True, null=True, verbose_name='resolved on')),
                        ('closed_on', models.DateField(blank=True, null=True, verbose_name='closed on')),
                        ('status', models.CharField(choices=[('received', 'Received'), ('acknowledged', 'Acknowledged'), ('investigating', 'Investigating'), ('escalated', 'Escalated'), ('resolved', 'Resolved'), ('closed', 'Closed')], default='received', max_length=15, verbose_name='status')),
                        ('resolution', models.TextField(blank=True, default='', verbose_name='resolution')),
                        ('reopened_count', models.PositiveSmallIntegerField(default=0)),
                        ('resolve_breached_before', models.BooleanField(default=False, verbose_name='resolution deadline missed before reopening')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('borrower', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='applications.borrower')),
                        ('branch', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='microloan.branch')),
                        ('filed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('handler', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints_handled', to=settings.AUTH_USER_MODEL, verbose_name='handler')),
                        ('loan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='servicing.loan')),
                    ],
                    options={
                        'db_table': 'servicing_complaint',
                        'verbose_name': 'complaint',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='CreditReview',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('business_date', models.DateField(verbose_name='created for')),
                        ('due_on', models.DateField(db_index=True, verbose_name='due on')),
                        ('trigger', models.CharField(choices=[('periodic', 'Periodic'), ('classification', 'Classification worsened'), ('purpose', 'Funds not used for the stated purpose')], max_length=15, verbose_name='trigger')),
                        ('classification', models.CharField(max_length=16, verbose_name='classification')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='open', max_length=10, verbose_name='status')),
                        ('findings', models.TextField(blank=True, default='', verbose_name='findings')),
                        ('recommendation', models.CharField(blank=True, choices=[('maintain', 'Maintain'), ('watch', 'Watch'), ('reduce_limit', 'Reduce limit'), ('recall', 'Recall the loan')], default='', max_length=15, verbose_name='recommendation')),
                        ('completed_on', models.DateField(blank=True, null=True, verbose_name='completed on')),
                        ('completed_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField()),
                        ('borrower', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_reviews', to='applications.borrower')),
                        ('branch', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='microloan.branch')),
                        ('completed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('credit_record', models.ForeignKey(blank=True, help_text='The credit report the reviewer looked at.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='underwriting.creditrecord')),
                        ('loan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_reviews', to='servicing.loan')),
                        ('officer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='credit_reviews', to=settings.AUTH_USER_MODEL, verbose_name='officer')),
                    ],
                    options={
                        'db_table': 'servicing_creditreview',
                        'verbose_name': 'credit review',
                        'ordering': ['due_on', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='FollowUpVisit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('post_disbursement', 'Post-disbursement check (use of funds)'), ('complaint', 'Follow-up after a complaint'), ('review', 'Credit review visit'), ('other', 'Other follow-up')], max_length=20, verbose_name='kind')),
                        ('scheduled_on', models.DateField(db_index=True, verbose_name='scheduled on')),
                        ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='scheduled', max_length=10, verbose_name='status')),
                        ('visited_on', models.DateField(blank=True, null=True, verbose_name='visited on')),
                        ('method', models.CharField(blank=True, choices=[('on_site', 'On-site visit'), ('phone', 'Phone call'), ('video', 'Video call')], default='', max_length=10, verbose_name='method')),
                        ('findings', models.TextField(blank=True, default='', verbose_name='findings')),
                        ('purpose_verified', models.BooleanField(blank=True, null=True, verbose_name='funds used for the stated purpose')),
                        ('note', models.TextField(blank=True, default='', verbose_name='note')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('completed_at', models.DateTimeField(blank=True, null=True)),
                        ('borrower', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='follow_up_visits', to='applications.borrower')),
                        ('branch', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='microloan.branch')),
                        ('complaint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='follow_up_visits', to='care.complaint')),
                        ('completed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('loan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='follow_up_visits', to='servicing.loan')),
                        ('officer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='follow_up_visits', to=settings.AUTH_USER_MODEL, verbose_name='officer')),
                    ],
                    options={
                        'db_table': 'servicing_followupvisit',
                        'verbose_name': 'follow-up visit',
                        'ordering': ['scheduled_on', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Feedback',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('subject_key', models.CharField(max_length=60, unique=True)),
                        ('score', models.PositiveSmallIntegerField(verbose_name='score')),
                        ('comment', models.TextField(blank=True, default='', verbose_name='comment')),
                        ('business_date', models.DateField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('borrower', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='feedback', to='applications.borrower')),
                        ('branch', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='microloan.branch')),
                        ('complaint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='feedback', to='care.complaint')),
                        ('visit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='feedback', to='care.followupvisit')),
                    ],
                    options={
                        'db_table': 'servicing_feedback',
                        'verbose_name': 'feedback',
                        'ordering': ['-id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['status', 'branch'], name='care_complaint_status_branch'),
                ),
                migrations.AddConstraint(
                    model_name='complaint',
                    constraint=models.CheckConstraint(condition=models.Q(('ack_due_on__gte', models.F('received_on')), ('resolve_due_on__gte', models.F('received_on'))), name='care_complaint_due_after_receipt'),
                ),
                migrations.AddIndex(
                    model_name='creditreview',
                    index=models.Index(fields=['status', 'branch', 'due_on'], name='care_review_worklist'),
                ),
                migrations.AddConstraint(
                    model_name='creditreview',
                    constraint=models.UniqueConstraint(condition=models.Q(('trigger__in', ['periodic', 'classification'])), fields=('loan', 'business_date'), name='care_one_job_review_per_loan_date'),
                ),
                migrations.AddConstraint(
                    model_name='creditreview',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('loan',), name='care_one_open_review_per_loan'),
                ),
                migrations.AddIndex(
                    model_name='followupvisit',
                    index=models.Index(fields=['status', 'branch', 'scheduled_on'], name='care_visit_worklist'),
                ),
                migrations.AddConstraint(
                    model_name='followupvisit',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'post_disbursement')), fields=('loan',), name='care_one_post_disbursement_visit'),
                ),
                migrations.AddConstraint(
                    model_name='followupvisit',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'scheduled')), fields=('complaint',), name='care_one_scheduled_visit_per_complaint'),
                ),
                migrations.AddConstraint(
                    model_name='feedback',
                    constraint=models.CheckConstraint(condition=models.Q(('score__gte', 1), ('score__lte', 5)), name='care_feedback_score_1_5'),
                ),
                migrations.AddConstraint(
                    model_name='feedback',
                    constraint=models.CheckConstraint(condition=models.Q(('complaint__isnull', True), ('visit__isnull', True), _connector='OR'), name='care_feedback_one_subject'),
                ),
            ],
        ),
    ]
