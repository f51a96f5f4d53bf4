-- Personal data (first_name, last_name, email, phone, birth_date) is
-- deliberately not selected: it stays in the raw layer.
with source as (

    select * from {{ source('retail', 'retail_customers') }}

),

renamed as (

    select
        trim(customer_id::text)                 as customer_id,
        age::integer                            as age,
        trim(city::text)                        as city,
        trim(region::text)                      as region,
        lower(trim(segment::text))              as segment,
        lower(trim(income_band::text))          as income_band,
        tenure_months::integer                  as tenure_months,
        avg_basket_value::double precision      as avg_basket_value,
        visits_per_month::double precision      as visits_per_month,
        lower(trim(preferred_channel::text))    as preferred_channel,
        signup_date::date                       as signup_date
    from source

)

select * from renamed
