from django.urls import path

from . import views

urlpatterns = [
    path("config/holidays/", views.holiday_calendar, name="holiday-calendar"),
    path("config/holidays/propose/", views.holiday_propose, name="holiday-propose"),
]
