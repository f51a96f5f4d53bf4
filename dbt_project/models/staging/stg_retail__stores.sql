with source as (

    select * from {{ source('retail', 'retail_stores') }}

),

renamed as (

    select
        trim(store_id::text)                    as store_id,
        trim(store_name::text)                  as store_name,
        trim(city::text)                        as city,
        trim(region::text)                      as region,
        latitude::double precision              as latitude,
        longitude::double precision             as longitude,
        catchment_population::bigint            as catchment_population,
        median_income::double precision         as median_income,
        competitors_nearby::bigint              as competitors_nearby,
        opening_date::date                      as opening_date,
        floor_area_m2::double precision         as floor_area_m2,
        annual_revenue::double precision        as annual_revenue
    from source

)

select * from renamed
