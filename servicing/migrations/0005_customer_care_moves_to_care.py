"""Customer service moves to its own app (care/): the models leave servicing's state only.
Their tables stay where they are, under the same names (care/models.py sets ``db_table``);
care/migrations/0001_initial.py takes them over in its state."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('servicing', '0004_customer_care'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='Feedback'),
                migrations.DeleteModel(name='CreditReview'),
                migrations.DeleteModel(name='FollowUpVisit'),
                migrations.DeleteModel(name='Complaint'),
            ],
        ),
    ]
