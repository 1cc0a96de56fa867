from django.urls import path

from . import views

urlpatterns = [
    path("collections/", views.worklist, name="collection-worklist"),
    path("collections/<int:pk>/", views.case_detail, name="collection-case"),
    path("recoveries/", views.recovery_queue, name="recovery-queue"),
    path("recoveries/<int:pk>/decision/", views.recovery_decision, name="recovery-decision"),
    path("collections/<int:pk>/contacts/reveal/", views.case_reveal_contacts, name="collection-case-reveal"),
    path("sandbox/", views.sandbox, name="sandbox"),
    path("sandbox/advance/", views.sandbox_advance, name="sandbox-advance"),
]
